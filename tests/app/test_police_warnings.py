"""Crime warnings: staff API with an agency API key, subscriptions, notifications queued once; real DB and HTTP."""

from __future__ import annotations

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.app.web.app import errors_and_headers
from bot.kernel import notify
from bot.kernel.db import session_factory, upgrade
from bot.kernel.settings import Settings
from skills.police import warnings
from skills.police import web as police_web
from skills.police.models import CrimeWarning
from tests.keys import add_key

STAFF = "ak_police-key-for-tests"
AUTH = {"Authorization": f"Bearer {STAFF}"}
TEXT = "ระวังมิจฉาชีพแอบอ้างเป็นพนักงานส่งพัสดุเรียกเก็บเงินปลายทางในพื้นที่"


def _settings(tmp_path_factory, token=STAFF):
    var = tmp_path_factory.mktemp("police")
    s = Settings.from_env({"VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
                           "SECRET_KEY": "test-secret"})
    upgrade(s.database_url)
    if token:
        add_key(s.database_url, token, "RTP", ["police"], "สำนักงานตำรวจแห่งชาติ")
    return s


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return _settings(tmp_path_factory)


async def _start(settings):
    app = web.Application(middlewares=[errors_and_headers])
    police_web.setup(app, settings)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    return srv


@pytest_asyncio.fixture
async def server(settings):
    srv = await _start(settings)
    yield srv
    await srv.close()


async def _call(server, method, path, **kw):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.make_url(path), **kw) as resp:
            return resp.status, await resp.json()


def _count(settings, table):
    with session_factory(settings.database_url)() as s:
        return s.scalar(select(func.count()).select_from(table))


def _subscribe(settings, sender, name, province=None):
    with session_factory(settings.database_url).begin() as s:
        return warnings.subscribe(s, sender, warnings.district_named(name, province))


@pytest.mark.asyncio
async def test_staff_warning_reaches_subscribers_once(settings, server):
    assert _subscribe(settings, "line:U1", "ปทุมวัน") is True
    assert _subscribe(settings, "line:U1", "ปทุมวัน") is False  # repeat is harmless
    assert _subscribe(settings, "web:w2", "เขตปทุมวัน", "กรุงเทพมหานคร") is True
    assert _subscribe(settings, "web:w3", "บางรัก") is True  # another district
    body = {"district": "ปทุมวัน", "province": "กรุงเทพมหานคร", "text": TEXT,
            "issued_by": "สน.ลุมพินี", "request_id": "bkk-2026-11-26-001"}
    status, first = await _call(server, "POST", "/api/police/warnings", json=body, headers=AUTH)
    assert status == 201 and first["created"] and first["notifications_queued"] == 2
    status, again = await _call(server, "POST", "/api/police/warnings", json=body, headers=AUTH)
    assert status == 200 and again["id"] == first["id"] and not again["created"]
    with session_factory(settings.database_url)() as s:
        pending = notify.pending(s)
        mine = [n for n in pending if n.kind == "police.warning"]
    assert sorted(n.sender_id for n in mine) == ["line:U1", "web:w2"]
    assert all(TEXT in n.text and "เขตปทุมวัน" in n.text and "191" in n.text for n in mine)
    # the same id for a different warning is refused, not silently merged
    status, err = await _call(server, "POST", "/api/police/warnings", headers=AUTH,
                              json={**body, "text": TEXT + " เพิ่มเติม"})
    assert status == 409 and "request_id" in err["error"]
    # visible on request, in the API and in chat
    status, listed = await _call(server, "GET", "/api/police/warnings?district_code=TH1007")
    assert status == 200 and listed["warnings"][0]["text"] == TEXT
    with session_factory(settings.database_url)() as s:
        chat_text = warnings.recent_message(s, warnings.district_named("ปทุมวัน")).text
    assert "1. " in chat_text and TEXT in chat_text


@pytest.mark.asyncio
async def test_staff_api_needs_a_police_key(settings, server):
    body = {"district_code": "TH1004", "text": TEXT, "issued_by": "สน.บางรัก"}
    before = _count(settings, CrimeWarning)
    status, err = await _call(server, "POST", "/api/police/warnings", json=body)
    assert status == 401 and "กุญแจ API" in err["error"]
    status, _ = await _call(server, "POST", "/api/police/warnings", json=body,
                            headers={"Authorization": "Bearer wrong"})
    assert status == 401
    # a key of another service is refused: the agency has no right to post warnings
    taxi = add_key(settings.database_url, "ak_taxi-only", "DLT", ["motortaxi"])
    status, err = await _call(server, "POST", "/api/police/warnings", json=body, headers=taxi)
    assert status == 403 and "ไม่ได้รับสิทธิ์ใช้บริการนี้" in err["error"]
    assert _count(settings, CrimeWarning) == before


@pytest.mark.asyncio
async def test_no_key_issued_means_the_staff_api_is_off(tmp_path_factory):
    srv = await _start(_settings(tmp_path_factory, token=""))
    try:
        status, err = await _call(srv, "POST", "/api/police/warnings", json={}, headers=AUTH)
        assert status == 503 and "ยังไม่มีกุญแจ API" in err["error"]
    finally:
        await srv.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("body, words", [
    ({"district": "ปทุมวัน", "text": "สั้น", "issued_by": "x"}, "ข้อความเตือนภัย"),
    ({"district": "ปทุมวัน", "text": TEXT}, "ผู้ประกาศ"),
    ({"text": TEXT, "issued_by": "x"}, "เขตหรืออำเภอ"),
    ({"district": "ดาวอังคาร", "text": TEXT, "issued_by": "x"}, "ไม่พบ"),
    ({"district": "เฉลิมพระเกียรติ", "text": TEXT, "issued_by": "x"}, "หลายจังหวัด"),
    ({"district_code": "TH9999", "text": TEXT, "issued_by": "x"}, "ไม่พบ"),
    ([1, 2], "JSON"),
])
async def test_bad_warning_input_is_refused_with_a_thai_reason(settings, server, body, words):
    before = _count(settings, CrimeWarning)
    status, err = await _call(server, "POST", "/api/police/warnings", json=body, headers=AUTH)
    assert status == 400 and words in err["error"]
    assert _count(settings, CrimeWarning) == before


@pytest.mark.asyncio
async def test_broken_json_is_refused(server):
    status, err = await _call(server, "POST", "/api/police/warnings", data=b"{nope",
                              headers={**AUTH, "Content-Type": "application/json"})
    assert status == 400 and "JSON" in err["error"]


@pytest.mark.asyncio
async def test_public_station_api(server):
    status, body = await _call(server, "GET", "/api/police/station?lat=13.7314&lon=100.5414")
    assert status == 200 and body["name_th"] == "สน.ลุมพินี" and body["inside"]
    assert body["approximate"] is True
    status, err = await _call(server, "GET", "/api/police/station?lat=91&lon=200")
    assert status == 400 and "ละติจูด" in err["error"]
    status, err = await _call(server, "GET", "/api/police/station")
    assert status == 400


def test_district_from_text_and_from_a_point():
    assert [d.district_th for d in warnings.districts_in_text("รับเตือนภัยเขตบางกะปิ")] == ["บางกะปิ"]
    # a landmark resolves to its district
    assert [d.district_th for d in warnings.districts_in_text("แถวสยามพารากอน")] == ["ปทุมวัน"]
    assert warnings.district_at(18.7877, 98.9933).district_th == "เมืองเชียงใหม่"
    assert warnings.district_at(0, 0) is None


@pytest.mark.asyncio
async def test_unsubscribing_stops_warnings(tmp_path_factory):
    settings = _settings(tmp_path_factory)
    srv = await _start(settings)
    try:
        assert _subscribe(settings, "line:Ustay", "บางรัก") is True
        assert _subscribe(settings, "line:Uleave", "บางรัก") is True
        assert _subscribe(settings, "line:Uleave", "ปทุมวัน") is True
        with session_factory(settings.database_url).begin() as s:
            assert warnings.unsubscribe_all(s, "line:Uleave") == 2
            assert warnings.subscriptions(s, "line:Uleave") == []
            assert warnings.unsubscribe_all(s, "line:Uleave") == 0  # a repeat is harmless
        for district, request_id in (("บางรัก", "unsub-1"), ("ปทุมวัน", "unsub-2")):
            status, posted = await _call(srv, "POST", "/api/police/warnings", headers=AUTH,
                                         json={"district": district, "text": TEXT,
                                               "issued_by": "สน.บางรัก", "request_id": request_id})
            assert status == 201
        assert posted["notifications_queued"] == 0  # ปทุมวัน: its only subscriber left
        with session_factory(settings.database_url)() as s:
            assert notify.pending(s, "line:Uleave") == []
            [kept] = notify.pending(s, "line:Ustay")
        assert TEXT in kept.text and "เขตบางรัก" in kept.text
    finally:
        await srv.close()
