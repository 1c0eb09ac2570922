"""Filing, bill QR, bank callback, receipt, history and reminders: real DB, real HTTP server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import re
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

from bot.app.web.app import errors_and_headers
from bot.kernel import notify
from bot.kernel.db import session_factory, upgrade
from bot.kernel.settings import Settings
from skills.signtax import links, promptpay, service
from skills.signtax import web as st_web
from skills.signtax.models import Assessment, HeldPayment, Payment
from skills.signtax.tax import Sign
from tests.keys import add_key

SECRET = "bank-shared-secret-for-tests"
BILLER = "099400016550100"
STAFF = "ak_signtax-key-for-tests"
FILED = date(2026, 3, 10)  # on time: no late-filing surcharge; due 25 March
# The day the web routes price a bill on: 26 April 2026 is in the second started month after
# the due date (25 March), so 2 × 2% of the 2,540 baht tax = 101.60 is added: 2,641.60.
PAGE_DAY = date(2026, 4, 26)
THAI = re.compile("[\u0e00-\u0e7f]")


def _settings(tmp_path_factory, biller=BILLER):
    var = tmp_path_factory.mktemp("var")
    s = Settings.from_env({"VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'app.db'}",
                           "SECRET_KEY": "test-secret",
                           "PROMPTPAY_BILLER_ID": biller, "PAYMENT_CALLBACK_SECRET": SECRET,
                           "PUBLIC_BASE_URL": "http://127.0.0.1:9"})
    upgrade(s.database_url)
    add_key(s.database_url, STAFF, "BMA", ["signtax"], "กรุงเทพมหานคร")
    return s


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return _settings(tmp_path_factory)


def _file(settings, name="ร้านป้าหนู", sender="web:abc", signs=None, today=FILED):
    return service.file_return(
        session_factory(settings.database_url), sender_id=sender, business_name=name,
        district_code="1030", district_th="จตุจักร", today=today,
        signs=signs or [Sign(150, 300, "2", moving=False), Sign(50, 100, "1", moving=False)])


async def _server(settings, today=PAGE_DAY):
    app = web.Application(middlewares=[errors_and_headers])
    st_web.setup(app, settings, today=lambda: today)
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
                            params={"t": "9999999999." + "0" * 32}) as resp:
            assert resp.status == 404
        async with http.get(server.make_url(f"/signtax/bills/{bill.bill_number}"),
                            params={"t": url.split("t=")[1]}) as resp:
            page = await resp.text()
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    fields = promptpay.parse(found.text)  # CRC verified
    assert fields["54"] == "2641.60"  # priced on PAGE_DAY: 2,540 + 2 months × 2% of 2,540
    sub = promptpay.parse_sub(fields["30"])
    assert (sub["01"], sub["02"], sub["03"]) == (BILLER, bill.bill_number, bill.ref2)
    assert bill.bill_number in page and "เลขอ้างอิง 2: 10302569" in page
    assert "alt=" in page and "qr.png" in page
    assert "เงินเพิ่ม ชำระเกินกำหนด 2 เดือน" in page and "2,641.60" in page


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
        assert answer["expected_amount"] == "2540.00"  # the replay says it too
        assert THAI.search(answer["message"])
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
    # filed last year and already again this year (before March): nothing to remind
    _file(settings, name="ร้านยื่นแล้ว", sender="web:done", today=date(2025, 3, 4))
    _file(settings, name="ร้านยื่นแล้ว", sender="web:done", today=date(2026, 2, 27))
    rows = service.history(factory, "web:old")
    assert [(r["business_name"], r["tax_year"], r["status"]) for r in rows] == [
        ("ร้านปีที่แล้ว", 2025, "unpaid")]
    assert service.enqueue_march_reminders(factory, date(2026, 2, 20)) == 0
    assert service.enqueue_march_reminders(factory, date(2026, 3, 1)) == 1
    assert service.enqueue_march_reminders(factory, date(2026, 3, 1)) == 0  # already queued
    with factory() as s:
        old, new = notify.pending(s, "web:old"), notify.pending(s, "web:new")
        done = notify.pending(s, "web:done")
    assert len(old) == 1 and not new and not done
    assert "ร้านปีที่แล้ว" in old[0].text and "31 มีนาคม 2569" in old[0].text


async def _post_callback(server, data, signature: str | None, chunked: bool = False):
    """POST ``data`` to the callback with ``signature`` as X-Signature (raw, as given)."""
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Signature"] = signature

    async def packets():  # each part goes out on its own (chunked, no Content-Length)
        half = len(data) // 2
        for part in (data[:half], data[half:]):
            yield part
            await asyncio.sleep(0.05)

    async with aiohttp.ClientSession() as http:
        async with http.post(server.make_url("/api/signtax/payments/callback"),
                             data=packets() if chunked else data, headers=headers) as resp:
            return resp.status, await resp.json()


def _sign(data: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()


@pytest.mark.asyncio
async def test_callback_accepts_a_body_that_arrives_in_two_packets(settings, server):
    bill = _file(settings, name="ร้านสองแพ็กเก็ต", sender="web:packets")
    data = json.dumps(_paid(bill, "2540.00", "TX-PACKETS")).encode()
    status, answer = await _post_callback(server, data, _sign(data), chunked=True)
    assert status == 200 and answer["status"] == "accepted"


@pytest.mark.asyncio
async def test_callback_signature_needs_the_prefix_and_survives_non_ascii(settings, server):
    bill = _file(settings, name="ร้านลายมือชื่อ")
    before = _counts(settings)
    data = json.dumps(_paid(bill, "2540.00", "TX-SIG-1")).encode()
    bare = _sign(data).removeprefix("sha256=")
    for signature in (bare, None, "", "sha256=", "sha1=" + bare, _sign(data) + " "):
        status, answer = await _post_callback(server, data, signature)
        assert status == 401 and THAI.search(answer["error"]), signature
    # a header that is not ASCII: a wrong signature (401), not a crash
    async with aiohttp.ClientSession() as http:
        async with http.post(server.make_url("/api/signtax/payments/callback"), data=data,
                             headers={"X-Signature": "sha256=ลายเซ็น".encode().decode("latin-1")}
                             ) as resp:
            assert resp.status == 401 and THAI.search((await resp.json())["error"])
    assert _counts(settings) == before


@pytest.mark.asyncio
async def test_signed_but_unusable_callbacks_get_400_and_write_nothing(settings, server):
    bill = _file(settings, name="ร้านข้อมูลเสีย")
    before = _counts(settings)
    deep = b"[" * 8000 + b"]" * 8000  # within the size limit, far past the recursion limit
    huge_int = b'{"transaction_id": "TX-HUGE", "bill_number": "%s", "amount": 1%s, ' \
               b'"paid_at": "2026-03-20T10:00:00+07:00"}' % (bill.bill_number.encode(), b"0" * 40)
    bodies = [deep, huge_int, b'{"amount": 1' + b"0" * 5000 + b"}"]
    for amount in (1e400, "NaN", "Infinity", "-2540.00", True, "สองพัน", [2540], 10**12,
                   "2540.001", "1e400", "0"):
        body = _paid(bill, amount, "TX-BADAMOUNT")
        bodies.append(json.dumps(body).encode())  # json.dumps writes 1e400 as Infinity
    bodies.append(json.dumps(_paid(bill, "2540.00", "TX-BADDATE",
                                   when="0001-01-01T00:00:00+14:00")).encode())
    bodies.append(json.dumps({**_paid(bill, "2540.00", "TX-NL\n")}).encode())
    for data in bodies:
        status, answer = await _post_callback(server, data, _sign(data))
        assert status == 400 and THAI.search(answer["error"]), data[:80]
    assert _counts(settings) == before


@pytest.mark.asyncio
async def test_callback_body_over_the_limit_is_413_with_a_thai_reason(settings, server):
    data = b'{"pad": "' + b"x" * st_web.MAX_CALLBACK_BYTES + b'"}'
    for chunked in (False, True):  # declared too long, or found too long while reading
        status, answer = await _post_callback(server, data, _sign(data), chunked=chunked)
        assert status == 413 and "ยาวเกินกำหนด" in answer["error"]


async def _get(server, path, t):
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(path), params={"t": t} if t is not None else None
                            ) as resp:
            return resp.status, resp.headers, await resp.read()


def _token(url: str) -> str:
    return url.split("t=")[1]


@pytest.mark.asyncio
async def test_links_expire_and_the_page_says_how_to_get_a_new_one(settings, server):
    bill = _file(settings, name="ร้านลิงก์หมดอายุ")
    # a link issued at the Unix epoch expired 90 days later, long ago
    old = _token(links.bill_url("", settings.secret_key, bill.bill_number, now=0))
    status, headers, page = await _get(server, f"/signtax/bills/{bill.bill_number}", old)
    text = page.decode()
    assert status == 403 and "หมดอายุ" in text and "ภาษีป้าย" in text
    assert bill.bill_number not in text.replace(f"/signtax/bills/{bill.bill_number}", "")
    assert "ร้านลิงก์หมดอายุ" not in text
    status, _, page = await _get(server, f"/signtax/bills/{bill.bill_number}/qr.png", old)
    assert status == 403 and "หมดอายุ" in page.decode()
    # a link sent before links expired (a bare MAC) is treated as expired, not as forged
    legacy = hmac.new(b"test-secret", f"signtax:bill:{bill.bill_number}".encode(),
                      hashlib.sha256).hexdigest()[:32]
    status, _, page = await _get(server, f"/signtax/bills/{bill.bill_number}", legacy)
    assert status == 403 and "หมดอายุ" in page.decode()
    # the expiry is signed: moving it forward breaks the link
    forged = "9999999999." + old.split(".")[1]
    status, _, page = await _get(server, f"/signtax/bills/{bill.bill_number}", forged)
    assert status == 404 and "ไม่พบเอกสารนี้" in page.decode()
    # a receipt link for the bill's number is not a bill link
    other = _token(links.receipt_url("", settings.secret_key, bill.bill_number))
    assert (await _get(server, f"/signtax/bills/{bill.bill_number}", other))[0] == 404


@pytest.mark.asyncio
async def test_bad_tokens_get_a_not_found_page_never_a_500(settings, server):
    bill = _file(settings, name="ร้านโทเค็นแปลก")
    for path in (f"/signtax/bills/{bill.bill_number}", f"/signtax/bills/{bill.bill_number}/qr.png",
                 "/signtax/receipts/RS2600000001"):
        for t in ("ลิงก์", "é" * 40, "1." + "ก" * 32, "", None, "x" * 5000, "-1." + "0" * 32):
            status, _, page = await _get(server, path, t)
            assert status == 404, (path, t)
            if not path.endswith(".png"):
                assert "ไม่พบเอกสารนี้" in page.decode()


@pytest.mark.asyncio
async def test_personal_pages_are_not_stored_and_satisfy_the_csp(settings, server):
    bill = _file(settings, name="ร้านไม่เก็บแคช", sender="web:nostore")
    t = _token(links.bill_url("", settings.secret_key, bill.bill_number))
    _, ok = await _confirm(server, _paid(bill, "2540.00", "TX-NOSTORE"))
    receipt_t = _token(links.receipt_url("", settings.secret_key, ok["receipt_number"]))
    other = _file(settings, name="ร้านยังไม่จ่าย")
    other_t = _token(links.bill_url("", settings.secret_key, other.bill_number))
    pages = [(f"/signtax/bills/{bill.bill_number}", t),
             (f"/signtax/receipts/{ok['receipt_number']}", receipt_t),
             (f"/signtax/bills/{other.bill_number}", other_t)]
    for path, token in [*pages, (f"/signtax/bills/{other.bill_number}/qr.png", other_t)]:
        status, headers, _ = await _get(server, path, token)
        assert status == 200 and headers["Cache-Control"] == "no-store", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    for path, token in pages:
        page = (await _get(server, path, token))[2].decode()
        # under default-src 'self': no inline style or script, no javascript: links
        assert "<style" not in page and "style=" not in page and "javascript:" not in page
        assert re.findall(r"<script[^>]*>", page) == [
            '<script src="/signtax/page.js" defer>']
        assert '<link rel="stylesheet" href="/signtax/page.css">' in page
        assert 'id="print"' in page and "Ctrl+P" in page  # works with or without the script
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url("/signtax/page.css")) as resp:
            assert resp.status == 200 and resp.content_type == "text/css"
            assert "@media print" in await resp.text()
        async with http.get(server.make_url("/signtax/page.js")) as resp:
            assert resp.status == 200 and resp.content_type == "text/javascript"
            assert "window.print()" in await resp.text()
