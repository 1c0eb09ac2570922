"""Filing, bill QR, bank callback, receipt, history and reminders: real DB, real HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import date
from decimal import Decimal

import aiohttp
import pytest
import pytest_asyncio
import zxingcpp
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image
from sqlalchemy import func, select

from bot import notify
from bot.db import session_factory, upgrade
from bot.settings import Settings
from bot.web.app import errors_and_headers
from skills.signtax import links, promptpay, service
from skills.signtax import web as st_web
from skills.signtax.models import Assessment, HeldPayment, Payment
from skills.signtax.tax import Sign

SECRET = "bank-shared-secret-for-tests"
BILLER = "099400016550100"
STAFF = "staff-token-for-tests"
FILED = date(2026, 3, 10)  # on time: no late-filing surcharge; due 25 March


def _settings(tmp_path_factory, biller=BILLER):
    var = tmp_path_factory.mktemp("var")
    s = Settings.from_env({"VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
                           "SECRET_KEY": "test-secret", "STAFF_TOKEN": STAFF,
                           "PROMPTPAY_BILLER_ID": biller, "PAYMENT_CALLBACK_SECRET": SECRET,
                           "PUBLIC_BASE_URL": "http://127.0.0.1:9"})
    upgrade(s.database_url)
    return s


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return _settings(tmp_path_factory)


def _file(settings, name="ร้านป้าหนู", sender="web:abc", signs=None, today=FILED):
    return service.file_return(
        session_factory(settings.database_url), sender_id=sender, business_name=name,
        district_code="1030", district_th="จตุจักร", today=today,
        signs=signs or [Sign(150, 300, "2", moving=False), Sign(50, 100, "1", moving=False)])


async def _server(settings):
    app = web.Application(middlewares=[errors_and_headers])
    st_web.setup(app, settings)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    return srv


@pytest_asyncio.fixture
async def server(settings):
    srv = await _server(settings)
    yield srv
    await srv.close()


def _counts(settings):
    with session_factory(settings.database_url)() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (
            Payment, HeldPayment, notify.Notification)) + (tuple(
                a.status for a in s.scalars(select(Assessment).order_by(Assessment.id))),)


async def _confirm(server, body: dict, secret=SECRET, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    sig = "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
    async with aiohttp.ClientSession() as http:
        async with http.post(server.make_url("/api/signtax/payments/callback"), data=data,
                             headers={"X-Signature": sig,
                                      "Content-Type": "application/json"}) as resp:
            return resp.status, await resp.json()


def _paid(bill, amount, tx, when="2026-03-20T10:00:00+07:00"):
    return {"transaction_id": tx, "bill_number": bill.bill_number, "amount": amount,
            "paid_at": when}


def test_filing_and_bill(settings):
    bill = _file(settings, name="ร้านทดสอบหนึ่ง")
    assert bill.tax == Decimal(2540) and bill.late_filing == 0 and bill.amount == 2540
    assert bill.due_on == date(2026, 3, 25) and bill.bill_number.startswith("ST2630")
    assert bill.ref2 == "10302569"
    again = _file(settings, name="ร้านทดสอบหนึ่ง")
    assert again.existing and again.bill_number == bill.bill_number
    late = _file(settings, name="ร้านยื่นช้า", today=date(2026, 11, 26))
    assert late.late_filing == Decimal(127) and late.amount == Decimal(2667)


@pytest.mark.asyncio
async def test_bill_qr_decodes_to_the_amount_with_a_valid_crc(settings, server):
    bill = _file(settings, name="ร้านคิวอาร์")
    url = links.bill_qr_url("", settings.secret_key, bill.bill_number)
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(url.split("?")[0]),
                            params={"t": url.split("t=")[1]}) as resp:
            assert resp.status == 200 and resp.content_type == "image/png"
            png = await resp.read()
        async with http.get(server.make_url(f"/signtax/bills/{bill.bill_number}/qr.png"),
                            params={"t": "0" * 32}) as resp:
            assert resp.status == 404
        async with http.get(server.make_url(f"/signtax/bills/{bill.bill_number}"),
                            params={"t": url.split("t=")[1]}) as resp:
            page = await resp.text()
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    fields = promptpay.parse(found.text)  # CRC verified
    due = service.amount_due(bill, service.today_in_bangkok())
    assert Decimal(fields["54"]) == due.total >= bill.amount
    sub = promptpay.parse_sub(fields["30"])
    assert (sub["01"], sub["02"], sub["03"]) == (BILLER, bill.bill_number, bill.ref2)
    assert bill.bill_number in page and "เลขอ้างอิง 2: 10302569" in page
    assert "alt=" in page and "qr.png" in page


@pytest.mark.asyncio
async def test_callback_rejects_bad_requests_without_changing_anything(settings, server):
    bill = _file(settings, name="ร้านผิดพลาด")
    before = _counts(settings)
    assert (await _confirm(server, _paid(bill, "2540.00", "TXBAD1"), secret="wrong"))[0] == 401
    status, answer = await _confirm(server, {**_paid(bill, "2540.00", "TXBAD2"),
                                             "bill_number": "ST99999999999"})
    assert status == 404 and "ไม่พบ" in answer["error"]
    for broken in ({**_paid(bill, "abc", "TXBAD3")}, {**_paid(bill, "-1", "TXBAD4")},
                   {**_paid(bill, "2540.00", "TXBAD5"), "paid_at": "yesterday"}, [1, 2]):
        status, answer = await _confirm(server, broken)
        assert status == 400 and answer["error"]
    assert (await _confirm(server, {}, raw=b"{not json"))[0] == 400
    assert _counts(settings) == before


@pytest.mark.asyncio
async def test_callback_accepts_once_and_replay_records_one_payment(settings, server):
    bill = _file(settings, name="ร้านจ่ายตรง", sender="web:payer")
    status, first = await _confirm(server, _paid(bill, "2540.00", "TX-OK-1"))
    assert status == 200 and first["status"] == "accepted" and first["receipt_number"]
    status, again = await _confirm(server, _paid(bill, "2540.00", "TX-OK-1"))
    assert status == 200 and again["receipt_number"] == first["receipt_number"]
    assert again["duplicate"]
    factory = session_factory(settings.database_url)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Payment).where(
            Payment.transaction_id == "TX-OK-1")) == 1
        notes = notify.pending(s, "web:payer")
    assert len(notes) == 1 and first["receipt_number"] in notes[0].text
    receipt = service.receipt(factory, first["receipt_number"])
    assert receipt["amount"] == 2540 and receipt["items"][0]["amount"] == "2540.00"
    # a second, different transaction for the paid bill is held, not accepted
    status, other = await _confirm(server, _paid(bill, "2540.00", "TX-OK-2"))
    assert status == 202 and other["reason"] == "already_paid"
    url = links.receipt_url("", settings.secret_key, first["receipt_number"])
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(url.split("?")[0]),
                            params={"t": url.split("t=")[1]}) as resp:
            page = await resp.text()
            assert resp.status == 200
    assert first["receipt_number"] in page and "ร้านจ่ายตรง" in page and "2,540" in page
    bill_link = links.bill_url("", settings.secret_key, bill.bill_number)
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(bill_link.split("?")[0]),
                            params={"t": bill_link.split("t=")[1]}) as resp:
            bill_page = await resp.text()
    assert "ชำระแล้ว ใบเสร็จเลขที่ " + first["receipt_number"] in bill_page
    assert "qr.png" not in bill_page  # a paid bill offers no QR to pay twice


@pytest.mark.asyncio
async def test_wrong_amount_is_held_for_review(settings, server):
    bill = _file(settings, name="ร้านจ่ายขาด")
    for _ in range(2):
        status, answer = await _confirm(server, _paid(bill, "2500.00", "TX-SHORT"))
        assert status == 202 and answer["status"] == "held"
        assert answer.get("expected_amount", "2540.00") == "2540.00"
    with session_factory(settings.database_url)() as s:
        assert s.scalar(select(func.count()).select_from(HeldPayment).where(
            HeldPayment.transaction_id == "TX-SHORT")) == 1
        assert s.scalars(select(Assessment).where(
            Assessment.bill_number == bill.bill_number)).one().status == "unpaid"
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url("/api/signtax/held-payments")) as resp:
            assert resp.status == 401
        async with http.get(server.make_url("/api/signtax/held-payments"),
                            headers={"Authorization": f"Bearer {STAFF}"}) as resp:
            held = (await resp.json())["held"]
    assert any(h["transaction_id"] == "TX-SHORT" and h["expected_amount"] == "2540.00"
               for h in held)


@pytest.mark.asyncio
async def test_late_payment_surcharge_on_the_day_paid(settings, server):
    bill = _file(settings, name="ร้านจ่ายช้า")  # due 25 March 2026, tax 2,540
    # paid 26 April: two started months late → 4% of 2,540 = 101.60
    status, held = await _confirm(server, _paid(bill, "2540.00", "TX-LATE-1",
                                                "2026-04-26T09:00:00+07:00"))
    assert status == 202 and held["expected_amount"] == "2641.60"
    status, ok = await _confirm(server, _paid(bill, "2641.60", "TX-LATE-2",
                                              "2026-04-26T09:00:00+07:00"))
    assert status == 200
    r = service.receipt(session_factory(settings.database_url), ok["receipt_number"])
    assert {"label": "เงินเพิ่ม ชำระเกินกำหนด 2 เดือน", "amount": "101.60"} in r["items"]


@pytest.mark.asyncio
async def test_without_a_biller_id_the_bill_says_qr_is_not_configured(tmp_path_factory):
    settings = _settings(tmp_path_factory, biller="")
    bill = _file(settings, name="ร้านไม่มีคิวอาร์")
    srv = await _server(settings)
    t = links.token(settings.secret_key, "bill", bill.bill_number)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(srv.make_url(f"/signtax/bills/{bill.bill_number}/qr.png"),
                                params={"t": t}) as resp:
                assert resp.status == 404
            async with http.get(srv.make_url(f"/signtax/bills/{bill.bill_number}"),
                                params={"t": t}) as resp:
                assert "ยังไม่ได้ตั้งค่าการรับชำระด้วยคิวอาร์พร้อมเพย์" in await resp.text()
    finally:
        await srv.close()


def test_history_and_march_reminder_are_safe_to_run_twice(tmp_path_factory):
    settings = _settings(tmp_path_factory)
    factory = session_factory(settings.database_url)
    _file(settings, name="ร้านปีที่แล้ว", sender="web:old", today=date(2025, 3, 3))
    _file(settings, name="ร้านปีนี้", sender="web:new", today=date(2026, 3, 3))
    rows = service.history(factory, "web:old")
    assert [(r["business_name"], r["tax_year"], r["status"]) for r in rows] == [
        ("ร้านปีที่แล้ว", 2025, "unpaid")]
    assert service.enqueue_march_reminders(factory, date(2026, 2, 20)) == 0
    assert service.enqueue_march_reminders(factory, date(2026, 3, 1)) == 1
    assert service.enqueue_march_reminders(factory, date(2026, 3, 1)) == 1
    with factory() as s:
        old, new = notify.pending(s, "web:old"), notify.pending(s, "web:new")
    assert len(old) == 1 and not new
    assert "ร้านปีที่แล้ว" in old[0].text and "31 มีนาคม 2569" in old[0].text
