"""Vest QR → verification page, revoking, staff APIs: a real aiohttp server on loopback."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio
import zxingcpp
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image
from sqlalchemy import select

from bot.app.web.app import errors_and_headers
from bot.kernel import apikeys, notify
from bot.kernel.db import session_factory, upgrade
from bot.kernel.ratelimit import RateLimit
from bot.kernel.settings import Settings
from skills.motortaxi import codes, demo, service, vest
from skills.motortaxi import web as mt_web
from skills.motortaxi.models import Rider
from tests.keys import add_key

STAFF = "ak_motortaxi-key-for-tests"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    s = Settings.from_env({"VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
                           "SECRET_KEY": "test-secret",
                           "PUBLIC_BASE_URL": "http://127.0.0.1:9"})
    upgrade(s.database_url)
    add_key(s.database_url, STAFF, "DLT", ["motortaxi"], "กรมการขนส่งทางบก")
    with session_factory(s.database_url).begin() as session:
        demo.seed_demo(session, 12)
    return s


@pytest_asyncio.fixture
async def server(settings):
    app = web.Application(middlewares=[errors_and_headers])
    mt_web.setup(app, settings)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


def _rider(settings, status="active") -> Rider:
    with session_factory(settings.database_url).begin() as session:
        return session.scalars(select(Rider).where(Rider.status == status)).first()


def _local(server, url: str) -> str:
    """The decoded public URL, pointed at the test server (same path and token)."""
    return str(server.make_url(urlsplit(url).path))


@pytest.mark.asyncio
async def test_vest_png_qr_decodes_to_the_riders_page_and_revoking_says_revoked(server, settings):
    rider = _rider(settings)
    auth = {"Authorization": f"Bearer {STAFF}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(f"/api/motortaxi/riders/{codes.format_code(rider.code)}"
                                            "/vest.png"), headers=auth) as resp:
            assert resp.status == 200 and resp.content_type == "image/png"
            png = await resp.read()
        # a real decoder reads the printed sheet
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        assert len(found) == 1
        url = found[0].text
        assert url == f"{settings.public_base_url}/motortaxi/v/{rider.qr_token}"
        assert (settings.var_dir / "motortaxi" / "vests" / f"vest-{rider.code}.png").exists()
        async with http.get(_local(server, url)) as resp:
            page = await resp.text()
        assert resp.status == 200
        assert 'lang="th"' in page and "<h1>" in page and 'alt="' in page
        assert rider.first_name in page and service.mask_surname(rider.last_name) in page
        assert rider.last_name not in page  # surname masked
        assert codes.format_code(rider.code) in page and "ใช้งานได้" in page
        assert "ข้อมูลตัวอย่างสมมติ" in page  # demo riders say they are synthetic
        assert 'href="/"' in page  # complain through the bot
        assert len(page.encode()) < 8000  # small and fast on a phone

        async with http.post(server.make_url(f"/api/motortaxi/riders/{rider.code}/revoke"),
                             headers=auth) as resp:
            assert resp.status == 200 and (await resp.json())["status"] == "revoked"
        async with http.get(_local(server, url)) as resp:
            page = await resp.text()
        assert "ถูกเพิกถอน" in page and "1584" in page and 'class="status bad"' in page


@pytest.mark.asyncio
async def test_forged_or_altered_qr_urls_are_refused(server, settings):
    rider = _rider(settings)
    token = rider.qr_token
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    async with aiohttp.ClientSession() as http:
        for path in (f"/motortaxi/v/{altered}", f"/motortaxi/v/{rider.code}",
                     "/motortaxi/v/" + "x" * 22, f"/motortaxi/v/{token}%00"):
            async with http.get(server.make_url(path)) as resp:
                page = await resp.text()
            assert resp.status == 404, path
            assert "ไม่ใช่ของจริง" in page and "1584" in page
            assert rider.first_name not in page


@pytest.mark.asyncio
async def test_svg_and_pdf_sheets_and_the_qr_of_the_svg_decodes(server, settings):
    rider = _rider(settings)
    auth = {"Authorization": f"Bearer {STAFF}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(f"/api/motortaxi/riders/{rider.code}/vest.pdf"),
                            headers=auth) as resp:
            assert resp.status == 200 and (await resp.read()).startswith(b"%PDF")
        async with http.get(server.make_url(f"/api/motortaxi/riders/{rider.code}/vest.svg"),
                            headers=auth) as resp:
            svg = await resp.text()
        assert codes.format_code(rider.code) in svg and "1584" in svg
        async with http.get(server.make_url(f"/api/motortaxi/riders/{rider.code}/vest.gif"),
                            headers=auth) as resp:
            assert resp.status == 400 and re.search("[ก-๙]", (await resp.json())["error"])
    url = service.verify_url(settings.public_base_url, rider)
    assert vest.decode_qr(vest.png_sheet(url, rider.code)) == [url]
    assert vest.token_from_url(url, settings.public_base_url) == rider.qr_token
    assert vest.token_from_url("https://evil.example/motortaxi/v/" + rider.qr_token,
                               settings.public_base_url) is None


@pytest.mark.asyncio
async def test_reissuing_a_lost_vest_qr_invalidates_the_old_one(server, settings):
    rider = _rider(settings)
    old = f"/motortaxi/v/{rider.qr_token}"
    auth = {"Authorization": f"Bearer {STAFF}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(server.make_url(f"/api/motortaxi/riders/{rider.code}/reissue-qr"),
                             headers=auth) as resp:
            new = (await resp.json())["verify_url"]
        assert resp.status == 200 and new.endswith(_rider(settings).qr_token)
        async with http.get(server.make_url(old)) as resp:
            assert resp.status == 404
        async with http.get(_local(server, new)) as resp:
            assert resp.status == 200 and rider.first_name in await resp.text()


def _by_code(settings, code: str) -> Rider:
    with session_factory(settings.database_url).begin() as session:
        return session.scalars(select(Rider).where(Rider.code == code)).one()


@pytest.mark.asyncio
async def test_staff_apis_need_a_motortaxi_key_in_force(server, settings):
    rider = _rider(settings)
    revoked = add_key(settings.database_url, "ak_revoked-taxi-key", "DLT", ["motortaxi"])
    with session_factory(settings.database_url).begin() as session:
        apikeys.revoke(session, apikeys.listing(session)[0].id)
    police = add_key(settings.database_url, "ak_police-only-key", "RTP", ["police", "signtax"])
    async with aiohttp.ClientSession() as http:
        for headers, status in (({}, 401), ({"Authorization": "Bearer wrong"}, 401),
                                ({"Authorization": STAFF}, 401), (revoked, 401),
                                (police, 403)):
            async with http.post(server.make_url(f"/api/motortaxi/riders/{rider.code}/revoke"),
                                 headers=headers) as resp:
                assert resp.status == status, headers
                assert re.search("[ก-๙]", (await resp.json())["error"])
    assert _by_code(settings, rider.code).status == "active"  # this rider, not revoked


@pytest.mark.asyncio
async def test_case_status_change_notifies_the_citizen_once(server, settings):
    factory = session_factory(settings.database_url)
    rider = _rider(settings)
    with factory.begin() as session:
        case = service.file_complaint(session, "web:abc12345", "overcharge",
                                      "เก็บ 100 บาท ไป 4 กิโล", rider.code)
        number = case.case_number
    assert case.legal_fare_baht == 35 and case.paid_baht == 100
    auth = {"Authorization": f"Bearer {STAFF}"}
    url = server.make_url(f"/api/motortaxi/complaints/{number}/status")
    async with aiohttp.ClientSession() as http:
        for _ in range(2):  # a retried request is harmless
            async with http.post(url, json={"status": "investigating"}, headers=auth) as resp:
                assert resp.status == 200
        async with http.post(url, json={"status": "teleported"}, headers=auth) as resp:
            assert resp.status == 400
        async with http.post(server.make_url("/api/motortaxi/complaints/MT-999999/status"),
                             json={"status": "closed"}, headers=auth) as resp:
            assert resp.status == 404
        async with http.get(server.make_url("/api/motortaxi/complaints?status=investigating"),
                            headers=auth) as resp:
            cases = (await resp.json())["cases"]
        assert [c["case"] for c in cases] == [number]
        assert cases[0]["legal_fare_baht"] == 35 and "sender_id" not in cases[0]
    with factory.begin() as session:
        notes = notify.pending(session, "web:abc12345")
    assert len(notes) == 1 and number in notes[0].text and "กำลังตรวจสอบ" in notes[0].text
    assert notes[0].kind == "motortaxi.case_status"


@pytest.mark.asyncio
async def test_position_batches_are_validated_all_or_nothing(server, settings):
    from datetime import datetime, timezone

    rider = _rider(settings)
    now = datetime.now(timezone.utc)
    good = {"code": codes.format_code(rider.code), "latitude": 13.74, "longitude": 100.53,
            "recorded_at": now.isoformat()}
    auth = {"Authorization": f"Bearer {STAFF}"}
    url = server.make_url("/api/motortaxi/positions")
    async with aiohttp.ClientSession() as http:
        bad = [good, {**good, "latitude": 48.8}, {**good, "code": "1111-1111"},
               {**good, "recorded_at": "yesterday"}]
        async with http.post(url, json={"positions": bad}, headers=auth) as resp:
            body = await resp.json()
        assert resp.status == 400 and [p["index"] for p in body["problems"]] == [1, 2, 3]
        for _ in range(2):
            async with http.post(url, json={"positions": [good]}, headers=auth) as resp:
                stored = (await resp.json())["stored"]
        assert stored == 0  # the retry stored nothing twice
        async with http.get(server.make_url("/api/motortaxi/activity"), headers=auth) as resp:
            provinces = (await resp.json())["provinces"]
        assert sum(p["positions"] for p in provinces) == 1


THAI = re.compile("[\u0e00-\u0e7f]")


@pytest.mark.asyncio
async def test_huge_or_non_numeric_coordinates_are_refused_with_a_thai_reason(server, settings):
    rider = _rider(settings)
    auth = {"Authorization": f"Bearer {STAFF}", "Content-Type": "application/json"}
    url = server.make_url("/api/motortaxi/positions")
    code = codes.format_code(rider.code)
    when = "2026-11-26T10:00:00+07:00"
    huge = "1" + "0" * 400  # 10**400 as a JSON integer: too big for a float
    bodies = [
        f'{{"positions": [{{"code": "{code}", "latitude": {huge}, "longitude": 100.5, '
        f'"recorded_at": "{when}"}}]}}',
        f'{{"positions": [{{"code": "{code}", "latitude": 13.7, "longitude": -{huge}, '
        f'"recorded_at": "{when}"}}]}}',
        f'{{"positions": [{{"code": "{code}", "latitude": 1e400, "longitude": 100.5, '
        f'"recorded_at": "{when}"}}]}}',
        f'{{"positions": [{{"code": "{code}", "latitude": true, "longitude": 100.5, '
        f'"recorded_at": "{when}"}}]}}',
        f'{{"positions": [{{"code": "{code}", "latitude": "13.7", "longitude": 100.5, '
        f'"recorded_at": "{when}"}}]}}',
    ]
    async with aiohttp.ClientSession() as http:
        for body in bodies:
            async with http.post(url, data=body.encode(), headers=auth) as resp:
                answer = await resp.json()
            assert resp.status == 400, body[:60]
            assert THAI.search(answer["error"])
            assert answer["problems"][0]["reason"].startswith("latitude ต้องอยู่ระหว่าง")


async def _verify(server, code, headers=None):
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url("/api/motortaxi/verify"), params={"code": code},
                            headers=headers or {}) as resp:
            return resp.status, resp.headers, await resp.json()


@pytest.mark.asyncio
async def test_public_verify_api_valid_unknown_and_malformed_codes(server, settings):
    rider = _rider(settings)
    status, _, view = await _verify(server, codes.format_code(rider.code))
    assert status == 200 and view["code"] == codes.format_code(rider.code)
    assert view["first_name"] == rider.first_name and view["status"] == "active"
    assert rider.last_name not in json.dumps(view, ensure_ascii=False)  # surname masked
    assert "licence_no" not in view
    unknown = codes.with_check("9999990")  # a well-formed code that no demo rider has
    with session_factory(settings.database_url)() as session:
        assert session.scalar(select(Rider.id).where(Rider.code == unknown)) is None
    status, _, answer = await _verify(server, codes.format_code(unknown))
    assert status == 404 and answer["error"] == "ไม่พบผู้ขับรหัสนี้"
    typo = rider.code[:-1] + str((int(rider.code[-1]) + 1) % 10)  # wrong check digit
    status, _, answer = await _verify(server, typo)
    assert status == 400 and "ตัวเลขตรวจสอบ" in answer["error"]
    for bad in ("", "12ab-5678", "1234", "๑" * 300):
        status, _, answer = await _verify(server, bad)
        assert status == 400 and "ตัวเลข 8 หลัก" in answer["error"], bad


@pytest.mark.asyncio
async def test_public_verify_api_is_rate_limited_per_client(settings):
    app = web.Application(middlewares=[errors_and_headers])
    # a burst of 3 and (practically) no refill: the 4th call in a row is over the limit
    mt_web.setup(app, settings, verify_limit=RateLimit(per_minute=0.001, burst=3))
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    try:
        code = codes.format_code(_rider(settings).code)
        for _ in range(3):
            assert (await _verify(srv, code))[0] == 200
        status, headers, answer = await _verify(srv, code)
        assert status == 429 and "บ่อยเกินไป" in answer["error"]
        assert int(headers["Retry-After"]) >= 1
        assert (await _verify(srv, "not-a-code"))[0] == 429  # any lookup counts
    finally:
        await srv.close()
    # the app's default: 30 a minute, a burst of 10
    assert (mt_web.VERIFY_PER_MINUTE, mt_web.VERIFY_BURST) == (30, 10)


@pytest.mark.asyncio
async def test_two_web_apps_share_one_verify_budget_per_client_in_redis(settings):
    """In the production profile (Redis shared), a client who spent the burst on one web app
    is over the limit on the other too; nothing is counted per process."""
    import functools
    import secrets

    from bot.app import shared
    from bot.kernel import ratelimit
    from tests import servers

    try:
        redis_at = servers.redis_server()
        host, port = redis_at.__enter__()
    except servers.Unavailable as why:
        pytest.skip(f"a Redis server is needed: {why}")
    prefix = "t" + secrets.token_hex(4)
    commons, sites = [], []
    try:
        for _ in range(2):
            common = shared.connect(dataclasses.replace(
                settings, redis_url=f"redis://{host}:{port}/0", redis_prefix=prefix))
            commons.append(common)
            app = web.Application(middlewares=[errors_and_headers])
            app[ratelimit.LIMITS] = functools.partial(shared.rate_limit, common)
            mt_web.setup(app, settings)
            sites.append(TestServer(app, host="127.0.0.1"))
            await sites[-1].start_server()
        code = codes.format_code(_rider(settings).code)
        for turn in range(mt_web.VERIFY_BURST):
            assert (await _verify(sites[turn % 2], code))[0] == 200
        for site in sites:  # the burst is spent on both
            status, headers, _ = await _verify(site, code)
            assert status == 429 and int(headers["Retry-After"]) >= 1
    finally:
        for site in sites:
            await site.close()
        for common in commons:
            if keys := [k async for k in common.client.scan_iter(f"{prefix}:*")]:
                await common.client.delete(*keys)
            await common.close()
        redis_at.__exit__(None, None, None)


def test_another_citizens_case_number_finds_nothing(settings):
    factory = session_factory(settings.database_url)
    with factory.begin() as session:
        mine = service.file_complaint(session, "web:owner0001", "harassment", "พูดจาไม่สุภาพ")
        number = mine.case_number
    with factory.begin() as session:
        assert service.cases_for(session, "web:stranger01", number) == []
        assert service.cases_for(session, "web:stranger01") == []
        [found] = service.cases_for(session, "web:owner0001", number)
        assert found.case_number == number and found.status == "received"
