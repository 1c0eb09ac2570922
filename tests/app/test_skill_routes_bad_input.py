"""One table of bad requests for every public and staff route of the police, motortaxi and
signtax skills: each gets its exact 4xx status and a Thai reason, never a 500.

The three skills' ``web.setup`` are mounted on one real aiohttp server on loopback (with the
app's error middleware) over a temporary SQLite database; a second app without agency API keys
or payment secret checks the 503s, and a police-only key checks the 403s.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import date

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app.web.app import errors_and_headers
from bot.kernel.db import session_factory, upgrade
from bot.kernel.settings import Settings
from skills.motortaxi import codes, demo, service
from skills.motortaxi import web as mt_web
from skills.motortaxi.models import Rider
from skills.police import web as police_web
from skills.signtax import links
from skills.signtax import service as st_service
from skills.signtax import web as st_web
from skills.signtax.tax import Sign
from tests.keys import add_key

STAFF = "ak_staff-key-for-bad-input-tests"
SECRET = "payment-secret-for-bad-input-tests"
THAI = re.compile("[\u0e00-\u0e7f]")
AUTH = {"Authorization": f"Bearer {STAFF}"}
POLICE_ONLY = {"Authorization": "Bearer ak_police-only-key"}
JSON = {"Content-Type": "application/json"}
NO_RIDER = codes.format_code(codes.with_check("9999990"))  # well formed, nobody's code
BAD_CHECK = "1234-5678"  # eight digits whose check digit is wrong
HUGE = "1" + "0" * 400  # a JSON integer too big for a float
DEEP = "[" * 3000 + "]" * 3000  # under every size limit, deeper than json can parse
WARNING_TEXT = "ระวังมิจฉาชีพแอบอ้างเป็นพนักงานส่งพัสดุในพื้นที่"
PAID_AT = "2026-03-20T10:00:00+07:00"


@dataclass(frozen=True)
class Bad:
    """A bad request and the status it must get."""

    method: str
    path: str
    status: int
    body: str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] | None = None
    sign: bool = False  # add a valid X-Signature over the body (payment callback)
    app: str = "on"  # "off": the app without agency API keys and payment secret
    page: bool = False  # an HTML page (Thai text in the page) instead of a JSON error


def _settings(var, on: bool) -> Settings:
    s = Settings.from_env({
        "VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
        "SECRET_KEY": "test-secret", "PUBLIC_BASE_URL": "http://127.0.0.1:9",
        "PAYMENT_CALLBACK_SECRET": SECRET if on else "",
        "PROMPTPAY_BILLER_ID": "099400016550100"})
    upgrade(s.database_url)
    if on:
        add_key(s.database_url, STAFF, "BKK", ["police", "motortaxi", "signtax"])
        add_key(s.database_url, POLICE_ONLY["Authorization"][7:], "RTP", ["police"])
    return s


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """Settings of both apps, with demo riders and one unpaid bill in the 'on' database."""
    on = _settings(tmp_path_factory.mktemp("on"), on=True)
    off = _settings(tmp_path_factory.mktemp("off"), on=False)
    with session_factory(on.database_url).begin() as session:
        demo.seed_demo(session, 3)
    bill = st_service.file_return(
        session_factory(on.database_url), sender_id="web:badinput", business_name="ร้านทดสอบ",
        district_code="1030", district_th="จตุจักร", today=date(2026, 3, 10),
        signs=[Sign(150, 300, "2", moving=False)])
    return {"on": on, "off": off, "bill": bill.bill_number}


@pytest_asyncio.fixture
async def servers(state):
    started = {}
    for name in ("on", "off"):
        app = web.Application(middlewares=[errors_and_headers])
        for skill in (police_web, mt_web, st_web):
            skill.setup(app, state[name])
        srv = TestServer(app, host="127.0.0.1")
        await srv.start_server()
        started[name] = srv
    yield started
    for srv in started.values():
        await srv.close()


def _position(**change) -> dict:
    return {"code": "{code}", "latitude": 13.74, "longitude": 100.53,
            "recorded_at": "2026-11-26T10:00:00+07:00", **change}


def _positions(*items, **extra) -> str:
    return json.dumps({"positions": list(items), **extra}, ensure_ascii=False)


def _paid(**change) -> str:
    body = {"transaction_id": "TX-BAD-INPUT", "bill_number": "{bill}", "amount": "2540.00",
            "paid_at": PAID_AT, **change}
    return json.dumps({k: v for k, v in body.items() if v is not None}, ensure_ascii=False)


def _warning(**change) -> str:
    body = {"district": "ปทุมวัน", "province": "กรุงเทพมหานคร", "text": WARNING_TEXT,
            "issued_by": "สน.ลุมพินี", **change}
    return json.dumps({k: v for k, v in body.items() if v is not None}, ensure_ascii=False)


CALLBACK = "/api/signtax/payments/callback"
HELD = "/api/signtax/held-payments"
POSITIONS = "/api/motortaxi/positions"
CASE = "/api/motortaxi/complaints/{case}/status"
WARNINGS = "/api/police/warnings"
STAFF_JSON = {**AUTH, **JSON}

TABLE: dict[str, list[Bad]] = {
    # --- police --------------------------------------------------------------------------
    "police station (public)": [
        Bad("GET", "/api/police/station", 400),
        Bad("GET", "/api/police/station", 400, query={"lat": "13.7"}),
        Bad("GET", "/api/police/station", 400, query={"lat": "abc", "lon": "100.5"}),
        Bad("GET", "/api/police/station", 400, query={"lat": "91", "lon": "100.5"}),
        Bad("GET", "/api/police/station", 400, query={"lat": "13.7", "lon": "-181"}),
        Bad("GET", "/api/police/station", 400, query={"lat": HUGE, "lon": "100.5"}),
        Bad("GET", "/api/police/station", 400, query={"lat": "nan", "lon": "inf"}),
    ],
    "police warnings list (public)": [
        Bad("GET", WARNINGS, 400),
        Bad("GET", WARNINGS, 400, query={"district_code": "TH9999"}),
        Bad("GET", WARNINGS, 400, query={"district": "ดาวอังคาร"}),
        Bad("GET", WARNINGS, 400, query={"district": "เฉลิมพระเกียรติ"}),
    ],
    "police warnings post (staff)": [
        Bad("POST", WARNINGS, 401, _warning(), JSON),
        Bad("POST", WARNINGS, 401, _warning(), {"Authorization": "Bearer wrong", **JSON}),
        Bad("POST", WARNINGS, 401, _warning(), {"Authorization": STAFF, **JSON}),
        Bad("POST", WARNINGS, 503, _warning(), STAFF_JSON, app="off"),
        Bad("POST", WARNINGS, 400, "{nope", STAFF_JSON),
        Bad("POST", WARNINGS, 400, b"\xff\xfe", STAFF_JSON),
        Bad("POST", WARNINGS, 400, DEEP, STAFF_JSON),
        Bad("POST", WARNINGS, 400, "[1, 2]", STAFF_JSON),
        Bad("POST", WARNINGS, 400, "{}", STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(text=None), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(issued_by=None), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(text=12345678901), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(issued_by=["สน."]), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(district=7, province=None), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(province=["กรุงเทพมหานคร"]), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(text="สั้น"), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(text="ก" * 1001), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(issued_by="ส" * 161), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(request_id=5), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(request_id="r" * 121), STAFF_JSON),
        Bad("POST", WARNINGS, 400, _warning(district_code="TH9999"), STAFF_JSON),
        Bad("POST", WARNINGS, 413, _warning(text="ก" * 4000), STAFF_JSON),
    ],
    # --- motortaxi -----------------------------------------------------------------------
    "motortaxi rider page (public)": [
        Bad("GET", "/motortaxi/v/not-a-real-token", 404, page=True),
        Bad("GET", "/motortaxi/v/" + "x" * 100, 404, page=True),
        Bad("GET", "/motortaxi/v/%E0%B8%81%E0%B8%82", 404, page=True),
    ],
    "motortaxi trip page (public)": [
        Bad("GET", "/motortaxi/trip/not-a-real-token", 404, page=True),
        Bad("GET", "/motortaxi/trip/%E0%B8%81", 404, page=True),
    ],
    "motortaxi verify (public)": [
        Bad("GET", "/api/motortaxi/verify", 400),
        Bad("GET", "/api/motortaxi/verify", 400, query={"code": "12ab-cdef"}),
        Bad("GET", "/api/motortaxi/verify", 400, query={"code": "1234"}),
        Bad("GET", "/api/motortaxi/verify", 400, query={"code": "9" * 5000}),
        Bad("GET", "/api/motortaxi/verify", 400, query={"code": BAD_CHECK}),
        Bad("GET", "/api/motortaxi/verify", 404, query={"code": NO_RIDER}),
    ],
    "motortaxi vest sheet (staff)": [
        Bad("GET", "/api/motortaxi/riders/{code}/vest.png", 401),
        Bad("GET", "/api/motortaxi/riders/{code}/vest.png", 401,
            headers={"Authorization": "Bearer wrong"}),
        Bad("GET", "/api/motortaxi/riders/{code}/vest.png", 503, headers=AUTH, app="off"),
        Bad("GET", "/api/motortaxi/riders/{code}/vest.gif", 400, headers=AUTH),
        Bad("GET", "/api/motortaxi/riders/12ab/vest.png", 400, headers=AUTH),
        Bad("GET", f"/api/motortaxi/riders/{BAD_CHECK}/vest.png", 400, headers=AUTH),
        Bad("GET", f"/api/motortaxi/riders/{NO_RIDER}/vest.png", 404, headers=AUTH),
    ],
    "motortaxi revoke (staff)": [
        Bad("POST", "/api/motortaxi/riders/{code}/revoke", 401),
        Bad("POST", "/api/motortaxi/riders/{code}/revoke", 503, headers=AUTH, app="off"),
        Bad("POST", "/api/motortaxi/riders/12ab/revoke", 400, headers=AUTH),
        Bad("POST", f"/api/motortaxi/riders/{BAD_CHECK}/revoke", 400, headers=AUTH),
        Bad("POST", f"/api/motortaxi/riders/{NO_RIDER}/revoke", 404, headers=AUTH),
    ],
    "motortaxi reissue QR (staff)": [
        Bad("POST", "/api/motortaxi/riders/{code}/reissue-qr", 401),
        Bad("POST", "/api/motortaxi/riders/{code}/reissue-qr", 503, headers=AUTH, app="off"),
        Bad("POST", "/api/motortaxi/riders/12ab/reissue-qr", 400, headers=AUTH),
        Bad("POST", f"/api/motortaxi/riders/{NO_RIDER}/reissue-qr", 404, headers=AUTH),
    ],
    "motortaxi complaints list (staff)": [
        Bad("GET", "/api/motortaxi/complaints", 401),
        Bad("GET", "/api/motortaxi/complaints", 503, headers=AUTH, app="off"),
        Bad("GET", "/api/motortaxi/complaints", 400, headers=AUTH,
            query={"status": "teleported"}),
    ],
    "motortaxi case status (staff)": [
        Bad("POST", CASE, 401, '{"status": "closed"}', JSON),
        Bad("POST", CASE, 503, '{"status": "closed"}', STAFF_JSON, app="off"),
        Bad("POST", CASE, 403, '{"status": "closed"}', {**POLICE_ONLY, **JSON}),
        Bad("POST", CASE, 400, "{nope", STAFF_JSON),
        Bad("POST", CASE, 400, b"\xff", STAFF_JSON),
        Bad("POST", CASE, 400, DEEP, STAFF_JSON),
        Bad("POST", CASE, 400, '"closed"', STAFF_JSON),
        Bad("POST", CASE, 400, "{}", STAFF_JSON),
        Bad("POST", CASE, 400, '{"status": 3}', STAFF_JSON),
        Bad("POST", CASE, 400, '{"status": "teleported"}', STAFF_JSON),
        Bad("POST", CASE, 400, '{"status": "closed", "note": 5}', STAFF_JSON),
        Bad("POST", CASE, 400, json.dumps({"status": "closed", "note": "ก" * 501}),
            STAFF_JSON),
        Bad("POST", CASE.format(case="MT-999999"), 404, '{"status": "closed"}', STAFF_JSON),
        Bad("POST", CASE.format(case="ไม่ใช่เลขที่"), 404, '{"status": "closed"}',
            STAFF_JSON),
        Bad("POST", CASE, 413, json.dumps({"status": "closed", "note": "x" * 300_000}),
            STAFF_JSON),
    ],
    "motortaxi positions (staff)": [
        Bad("POST", POSITIONS, 401, _positions(_position()), JSON),
        Bad("POST", POSITIONS, 503, _positions(_position()), STAFF_JSON, app="off"),
        Bad("POST", POSITIONS, 400, "{nope", STAFF_JSON),
        Bad("POST", POSITIONS, 400, DEEP, STAFF_JSON),
        Bad("POST", POSITIONS, 400, "[]", STAFF_JSON),
        Bad("POST", POSITIONS, 400, "{}", STAFF_JSON),
        Bad("POST", POSITIONS, 400, '{"positions": "13.7,100.5"}', STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(*[_position()] * 1001), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(5), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(code=BAD_CHECK)), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(code=NO_RIDER)), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(latitude="13.7")), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(latitude=True)), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(longitude=None)), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(latitude=48.8)), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(longitude=-100.5)), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(latitude="{huge}")), STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(recorded_at="yesterday")),
            STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(recorded_at="2026-11-26T10:00:00")),
            STAFF_JSON),
        Bad("POST", POSITIONS, 400, _positions(_position(recorded_at=20261126)), STAFF_JSON),
        Bad("POST", POSITIONS, 413, _positions(_position(pad="x" * 300_000)), STAFF_JSON),
    ],
    "motortaxi activity (staff)": [
        Bad("GET", "/api/motortaxi/activity", 401),
        Bad("GET", "/api/motortaxi/activity", 401, headers={"Authorization": "Bearer "}),
        Bad("GET", "/api/motortaxi/activity", 503, headers=AUTH, app="off"),
    ],
    # --- signtax -------------------------------------------------------------------------
    "signtax payment callback (bank)": [
        Bad("POST", CALLBACK, 503, _paid(), JSON, sign=True, app="off"),
        Bad("POST", CALLBACK, 401, _paid(), JSON),
        Bad("POST", CALLBACK, 401, _paid(), {**JSON, "X-Signature": "sha256=" + "0" * 64}),
        Bad("POST", CALLBACK, 401, _paid(), {**JSON, "X-Signature": "sha256=ลายเซ็น"}),
        Bad("POST", CALLBACK, 400, "{nope", JSON, sign=True),
        Bad("POST", CALLBACK, 400, b"\xff\xfe", JSON, sign=True),
        Bad("POST", CALLBACK, 400, DEEP, JSON, sign=True),
        Bad("POST", CALLBACK, 400, "[1, 2]", JSON, sign=True),
        Bad("POST", CALLBACK, 400, "{}", JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(transaction_id=None), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(transaction_id=17), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(transaction_id="ก" * 10), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(transaction_id="T" * 65), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(bill_number=None), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(bill_number="st-1"), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount=None), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount=True), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount="NaN"), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount="-1.00"), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount=0), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount="2540.005"), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount=10**40), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount="1e400"), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(amount={"baht": 2540}), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(paid_at=None), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(paid_at="เมื่อวาน"), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(paid_at=1_700_000_000), JSON, sign=True),
        Bad("POST", CALLBACK, 400, _paid(paid_at="9999-12-31T23:59:59-12:00"), JSON,
            sign=True),
        Bad("POST", CALLBACK, 404, _paid(bill_number="ST99999999999"), JSON, sign=True),
        Bad("POST", CALLBACK, 413, _paid(pad="x" * 20_000), JSON, sign=True),
    ],
    "signtax held payments (staff)": [
        Bad("GET", HELD, 401),
        Bad("GET", HELD, 401, headers={"Authorization": "Basic " + STAFF}),
        Bad("GET", HELD, 503, headers=AUTH, app="off"),
        Bad("GET", HELD, 403, headers=POLICE_ONLY),
    ],
    "signtax bill page and QR (public, signed link)": [
        Bad("GET", "/signtax/bills/{bill}", 404, page=True),
        Bad("GET", "/signtax/bills/{bill}", 404, query={"t": "0" * 20}, page=True),
        Bad("GET", "/signtax/bills/{bill}", 404, query={"t": "ลิงก์"}, page=True),
        Bad("GET", "/signtax/bills/{bill}", 403, query={"t": "{expired}"}, page=True),
        Bad("GET", "/signtax/bills/ST00000000000", 404, query={"t": "{bill_t}"}, page=True),
        Bad("GET", "/signtax/bills/{bill}/qr.png", 404, query={"t": "ลิงก์"}, page=True),
        Bad("GET", "/signtax/bills/{bill}/qr.png", 403, query={"t": "{expired}"}, page=True),
    ],
    "signtax receipt page (public, signed link)": [
        Bad("GET", "/signtax/receipts/RS2600000001", 404, page=True),
        Bad("GET", "/signtax/receipts/RS2600000001", 404, query={"t": "ก" * 40}, page=True),
        Bad("GET", "/signtax/receipts/RS2600000001", 404, query={"t": "{receipt_t}"},
            page=True),  # genuine link to a receipt that does not exist
    ],
}
CASES = [pytest.param(route, bad, id=f"{route}-{i}")
         for route, bads in TABLE.items() for i, bad in enumerate(bads)]


def _fill(value: str, names: dict[str, str]) -> str:
    for name, filled in names.items():
        value = value.replace("{" + name + "}", filled)
    return value


@pytest.mark.asyncio
@pytest.mark.parametrize("route, bad", CASES)
async def test_bad_request_gets_its_4xx_and_a_thai_reason(state, servers, route, bad: Bad):
    with session_factory(state["on"].database_url).begin() as session:
        rider = session.scalars(select(Rider).where(Rider.status == "active")).first()
        case = service.file_complaint(session, "web:badinput", "other", "ทดสอบ",
                                      request_key="bad-input-case")
        names = {"code": codes.format_code(rider.code), "case": case.case_number,
                 "bill": state["bill"],
                 "bill_t": links.token("test-secret", "bill", state["bill"]),
                 "expired": links.token("test-secret", "bill", state["bill"], now=0),
                 "receipt_t": links.token("test-secret", "receipt", "RS2600000001")}
    path = _fill(bad.path, names)
    body = bad.body
    if isinstance(body, str):
        # '"{huge}"' in a JSON text becomes the bare 400-digit integer
        body = _fill(body.replace('"{huge}"', HUGE), names).encode()
    headers = dict(bad.headers)
    if bad.sign:
        headers["X-Signature"] = "sha256=" + hmac.new(SECRET.encode(), body or b"",
                                                      hashlib.sha256).hexdigest()
    query = {k: _fill(v, names) for k, v in (bad.query or {}).items()} or None
    server = servers[bad.app]
    async with aiohttp.ClientSession() as http:
        async with http.request(bad.method, server.make_url(path), data=body, params=query,
                                headers=headers) as resp:
            status, raw = resp.status, await resp.read()
            content_type = resp.content_type
    assert status == bad.status, (path, raw[:300].decode("utf-8", "replace"))
    if bad.page:
        if content_type == "text/html":
            assert THAI.search(raw.decode("utf-8")), raw[:200]
        else:  # the QR image answers with the not-found page too
            raise AssertionError(f"{path}: {content_type}")
    else:
        assert content_type == "application/json"
        error = json.loads(raw)["error"]
        assert isinstance(error, str) and error.strip() and THAI.search(error), error
