"""Staff APIs with per-agency keys on a real aiohttp server on loopback: search, request,
pledge (only from one's own stock), dispatch, receive, updates; bad input answered 4xx in
Thai, never 500."""

from __future__ import annotations

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app.web.app import errors_and_headers
from bot.kernel import notify
from bot.kernel.db import session_factory, upgrade
from bot.kernel.settings import Settings
from skills.disaster import demo, service
from skills.disaster import web as dz_web
from skills.disaster.models import Item, Site, Stock
from tests.keys import add_key

STAFF = "ak_ddpm-host-key-for-tests"  # DDPM: the host
pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    s = Settings.from_env({"VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
                           "SECRET_KEY": "k"})
    upgrade(s.database_url)
    add_key(s.database_url, STAFF, "DDPM", ["disaster"], "กรมป้องกันและบรรเทาสาธารณภัย")
    with session_factory(s.database_url).begin() as session:
        demo.seed_demo(session)
    return s


@pytest.fixture(scope="module")
def agency_keys(settings):
    made = {code: f"ak_{code.lower()}-key" for code in
            ("DEMO-DDPM-UBN", "DEMO-OTOS-WARIN", "DEMO-RTN-NST")}
    for code, key in made.items():
        add_key(settings.database_url, key, code, ["disaster"])
    return made


@pytest_asyncio.fixture
async def client(settings):
    app = web.Application(middlewares=[errors_and_headers])
    dz_web.setup(app, settings)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    async with aiohttp.ClientSession(base_url=srv.make_url("/")) as http:
        yield http
    await srv.close()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _stock_id(settings, agency: str, item: str) -> int:
    with session_factory(settings.database_url).begin() as session:
        return session.scalars(select(Stock.id).join(Site, Site.id == Stock.site_id)
                               .join(Item, Item.id == Stock.item_id)
                               .where(Site.source_agency == agency, Item.code == item)).first()


async def test_nearest_boats_with_distance_quantity_and_freshness(client, agency_keys):
    async with client.get("/api/disaster/resources", params={
            "kind": "เรือ", "lat": "8.40", "lon": "100.10", "n": "2"},
            headers=_auth(agency_keys["DEMO-OTOS-WARIN"])) as resp:
        assert resp.status == 200
        body = await resp.json()
    first = body["results"][0]
    assert body["code"] == "boat" and first["org_code"] == "DEMO-RTN-NST"
    assert first["available"] == 2  # the third boat is in maintenance
    assert 0 < first["distance_km"] < 20 and first["freshness_th"] == "ข้อมูลตรวจสอบวันนี้"
    assert first["synthetic"] is True
    async with client.get("/api/disaster/resources", params={
            "kind": "sandbag", "province": "TH50"}, headers=_auth(STAFF)) as resp:
        body = await resp.json()
    assert [r["available"] for r in body["results"]] == [1000]
    async with client.get("/api/disaster/resources", params={"kind": "pump", "place": "ปากพนัง"},
                          headers=_auth(STAFF)) as resp:
        assert (await resp.json())["results"][0]["org_code"] == "DEMO-OTOS-PAKPHANANG"


async def test_experts_need_a_certificate_valid_today(client):
    async with client.get("/api/disaster/experts", params={"skill": "ขับเรือ"},
                          headers=_auth(STAFF)) as resp:
        names = [e["name_th"] for e in (await resp.json())["results"]]
    assert names == ["จ.ต. มานพ ทดลอง"]  # บุญมี's certificate expired in 2025
    async with client.get("/api/disaster/experts", params={"skill": "boat_operator",
                                                           "certified": "0"},
                          headers=_auth(STAFF)) as resp:
        assert len((await resp.json())["results"]) == 2


async def test_request_pledge_dispatch_receive_through_the_api_with_agency_keys(
        client, settings, agency_keys):
    warin, ubn = _auth(agency_keys["DEMO-OTOS-WARIN"]), _auth(agency_keys["DEMO-DDPM-UBN"])
    async with client.post("/api/disaster/requests", headers=warin, json={
            "items": [{"item": "กระสอบทราย", "quantity": 4, "unit": "มัด"}], "priority": 1,
            "place": "บ้านท่าบ่อ", "lat": 15.19, "lon": 104.86, "needed_by": "2026-12-05",
            "notify_to": "web:warin-desk"}) as resp:
        assert resp.status == 201
        made = await resp.json()
    ref = made["ref"]
    assert made["lines"][0]["quantity"] == 200 and made["requester_org"] == "DEMO-OTOS-WARIN"
    stock = _stock_id(settings, "DEMO-DDPM-UBN", "sandbag")
    async with client.post(f"/api/disaster/requests/{ref}/pledges", headers=warin,
                           json={"stock_id": stock, "quantity": 200}) as resp:
        assert resp.status == 403  # not Warin's stock
        assert "หน่วยงานอื่น" in (await resp.json())["error"]
    async with client.post(f"/api/disaster/requests/{ref}/pledges", headers=ubn,
                           json={"stock_id": stock, "quantity": 200}) as resp:
        assert resp.status == 201
        pledge = (await resp.json())["pledge"]
    async with client.post(f"/api/disaster/requests/{ref}/pledges", headers=ubn,
                           json={"stock_id": stock, "quantity": 1}) as resp:
        assert resp.status == 409  # the line is fully pledged
    async with client.post(f"/api/disaster/pledges/{pledge}/dispatch", headers=ubn) as resp:
        assert (await resp.json())["status"] == "dispatched"
    async with client.post(f"/api/disaster/pledges/{pledge}/receive", headers=warin) as resp:
        assert (await resp.json())["status"] == "received"
    async with client.get(f"/api/disaster/requests/{ref}", headers=warin) as resp:
        assert (await resp.json())["status_th"] == "ได้รับของครบแล้ว"
    with session_factory(settings.database_url).begin() as session:
        said = [n.text for n in notify.pending(session, "web:warin-desk")]
    assert len(said) == 4 and "ได้รับกระสอบทราย 200 ใบ แล้ว" in said[-1]


async def test_shelter_occupancy_and_case_status_updates(client, settings, agency_keys):
    ubn = _auth(agency_keys["DEMO-DDPM-UBN"])
    with session_factory(settings.database_url).begin() as session:
        shelter = session.scalars(select(Site).where(Site.source_agency == "DEMO-DDPM-UBN",
                                                     Site.source_id == "S3")).one()
        case = service.file_help(session, "web:citizen-1", "น้ำท่วมบ้าน ผู้สูงอายุ 2 คน")
        number = case.case_number
    async with client.post(f"/api/disaster/shelters/{shelter.id}", headers=ubn,
                           json={"occupancy": 250}) as resp:
        assert (await resp.json())["occupancy"] == 250
    async with client.post(f"/api/disaster/shelters/{shelter.id}", headers=ubn,
                           json={"occupancy": 251}) as resp:
        assert resp.status == 400 and "ความจุ" in (await resp.json())["error"]
    async with client.post(f"/api/disaster/shelters/{shelter.id}",
                           headers=_auth(agency_keys["DEMO-RTN-NST"]),
                           json={"occupancy": 0}) as resp:
        assert resp.status == 403
    async with client.post(f"/api/disaster/cases/{number}/status", headers=_auth(STAFF),
                           json={"status": "on_the_way", "note": "ทีม OTOS ออกจากสถานีแล้ว"}) as resp:
        assert resp.status == 200
    with session_factory(settings.database_url).begin() as session:
        said = [n.text for n in notify.pending(session, "web:citizen-1")]
    assert said == [f"เรื่อง {number} มีความคืบหน้า: เจ้าหน้าที่กำลังเดินทางไปหา\n"
                    "หมายเหตุจากเจ้าหน้าที่: ทีม OTOS ออกจากสถานีแล้ว"]


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("get", "/api/disaster/resources?kind=boat&lat=nan&lon=1", None, 400),
    ("get", "/api/disaster/resources?kind=unicorn&lat=8&lon=100", None, 400),
    ("get", "/api/disaster/resources?kind=boat", None, 400),
    ("get", "/api/disaster/resources?kind=boat&lat=8&lon=100&n=9999", None, 400),
    ("get", "/api/disaster/resources?kind=boat&place=ไม่มีที่นี่แน่นอนเลย", None, 404),
    ("get", "/api/disaster/experts?skill=flying&level=2", None, 400),
    ("post", "/api/disaster/requests", [1, 2], 400),
    ("post", "/api/disaster/requests", {"items": [{"item": "sandbag", "quantity": -3}]}, 400),
    ("post", "/api/disaster/requests", {"items": [{"item": "sandbag", "quantity": 1,
                                                   "unit": "ลิตร"}]}, 400),
    ("post", "/api/disaster/requests", {"items": [{"item": "sandbag", "quantity": 1}],
                                        "priority": 7}, 400),
    ("post", "/api/disaster/requests", {"items": [{"item": "sandbag", "quantity": 10**9,
                                                   "unit": "พาเลท"}]}, 400),
    ("post", "/api/disaster/requests", {"items": [{"item": "sandbag", "quantity": 1}],
                                        "place": "บ้าน\x00"}, 400),
    ("post", "/api/disaster/cases/²/status", {"status": "closed"}, 404),
    ("post", "/api/disaster/requests/DR-999999/pledges", {"stock_id": 1, "quantity": 1}, 404),
    ("post", "/api/disaster/requests/DR-²/pledges", {"stock_id": 1, "quantity": 1}, 404),
    ("get", "/api/disaster/requests/Ì²O", None, 404),
    ("post", "/api/disaster/requests/²/cancel", None, 404),
    ("post", "/api/disaster/pledges/abc/dispatch", None, 404),
    ("post", "/api/disaster/pledges/99999999999999/receive", None, 404),
    ("post", "/api/disaster/stock/1", {"quantity": True}, 400),
    ("post", "/api/disaster/cases/DS-000001/status", {"status": "teleported"}, 400),
    ("post", "/api/disaster/proposals/1", {"decision": "maybe"}, 400),
])
async def test_bad_input_gets_a_thai_reason_never_a_500(client, method, path, body, status):
    kwargs = {"headers": _auth(STAFF)}
    if body is not None:
        kwargs["json"] = body
    async with getattr(client, method)(path, **kwargs) as resp:
        assert resp.status == status
        reason = (await resp.json())["error"]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in reason)


async def test_no_key_or_a_wrong_key_is_refused(client):
    async with client.get("/api/disaster/resources?kind=boat&lat=8&lon=100") as resp:
        assert resp.status == 401
    async with client.get("/api/disaster/cases", headers=_auth("dk_not-a-real-key")) as resp:
        assert resp.status == 401 and "กุญแจ" in (await resp.json())["error"]
    async with client.post("/api/disaster/requests", data=b"x" * 70_000,
                           headers=_auth("wrong")) as resp:
        assert resp.status == 401  # refused before the body is read


async def test_a_key_of_another_service_or_of_an_agency_outside_the_registry_is_refused(
        client, settings):
    police = add_key(settings.database_url, "ak_police-not-disaster", "DEMO-DDPM-UBN",
                     ["police"])
    async with client.get("/api/disaster/cases", headers=police) as resp:
        assert resp.status == 403 and "ไม่ได้รับสิทธิ์" in (await resp.json())["error"]
    stranger = add_key(settings.database_url, "ak_not-in-registry", "NOBODY", ["disaster"])
    async with client.get("/api/disaster/cases", headers=stranger) as resp:
        assert resp.status == 403 and "NOBODY" in (await resp.json())["error"]
