"""Web routes of the signtax skill: bank payment callback, bill page and QR, receipt page.

* ``POST /api/signtax/payments/callback``: the bank's confirmation, JSON
  ``{"transaction_id", "bill_number", "amount", "paid_at"}`` signed with
  ``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` using
  ``settings.payment_callback_secret``. 401 bad signature, 404 unknown bill, 400 bad data,
  200 accepted (receipt number), 202 held for review; a replay is answered the same way.
* ``GET /api/signtax/held-payments``: staff (``Authorization: Bearer <agency API key>``
  scoped to ``signtax``) list of held ones.
* ``GET /signtax/bills/{bill}?t=…`` printable bill with the QR; ``…/qr.png`` the QR image
  (amount due on the day it is fetched); ``GET /signtax/receipts/{number}?t=…`` receipt.
  Links expire (``links.LINK_LIFETIME_DAYS``); an expired one gets a page saying how to get
  a new link. Personal pages are ``Cache-Control: no-store``.
* ``GET /signtax/page.css`` and ``/signtax/page.js``: the pages' style and print button, as
  files, so the pages satisfy the app's Content-Security-Policy (no inline style or script).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from aiohttp import web
from sqlalchemy import select

from bot.kernel import apikeys
from bot.kernel.db import session_factory
from bot.kernel.httpbody import BodyTooLarge, read_whole

from . import links, promptpay, service
from .models import Assessment, HeldPayment
from .speech import figure, say_baht, thai_date
from .texts import text

MAX_CALLBACK_BYTES = 16 * 1024
NO_STORE = {"Cache-Control": "no-store"}  # bills and receipts carry names and amounts
CSS = """body{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#111;
overflow-wrap:anywhere}
:focus-visible{outline:3px solid #a04e00;outline-offset:2px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #999;padding:.4rem;text-align:left}
.amount{text-align:right}img{width:16rem;height:16rem}.lines{white-space:pre-line}
button{font:inherit;padding:.5rem 1rem}
@media print{.noprint{display:none}}
@media (forced-colors:active){:focus-visible{outline-color:Highlight}}
"""
# The print button starts hidden and is shown only where this script runs; without it the
# page still says how to print from the browser.
JS = """document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
"""


def _json_error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _page(title: str, body: str, status: int = 200) -> web.Response:
    doc = f"""<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{html.escape(title)}</title>
<link rel="stylesheet" href="/signtax/page.css"><script src="/signtax/page.js" defer></script>
</head><body><main>{body}
<p class="noprint"><button type="button" id="print" hidden>{html.escape(text("page_print"))}</button>
{html.escape(text("page_print_hint"))}</p>
</main></body></html>"""
    return web.Response(text=doc, content_type="text/html", status=status, headers=NO_STORE)


def _not_found() -> web.Response:
    return _page(text("page_not_found"), f"<p>{html.escape(text('page_not_found'))}</p>", 404)


def _expired(kind: str) -> web.Response:
    title = text("page_link_expired_title")
    body = text(f"page_link_expired_{kind}", days=links.LINK_LIFETIME_DAYS)
    return _page(title, f"<h1>{html.escape(title)}</h1><p>{html.escape(body)}</p>", 403)


def _link_refusal(key: str, kind: str, ident: str, given: str | None) -> web.Response | None:
    """``None`` for a good link, else the page to show (expired, or not found)."""
    outcome = links.check(key, kind, ident, given)
    if outcome == links.OK:
        return None
    return _expired(kind) if outcome == links.EXPIRED else _not_found()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """True when ``header`` is ``sha256=<hex HMAC-SHA256 of body>``; the prefix is required,
    and the comparison is over bytes so a non-ASCII header is simply wrong, not an error."""
    given = (header or "").encode("utf-8", "surrogateescape")
    expected = b"sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, given)


def setup(app: web.Application, settings, today: Callable[[], date] | None = None) -> None:
    """Mount the routes; configuration comes from ``settings`` (never the environment).

    ``today`` gives the day amounts are due on (Bangkok's date by default); tests pass a
    fixed one.
    """
    factory = session_factory(settings.database_url)
    gate = apikeys.Gate(settings.database_url, "signtax")
    base, key = settings.public_base_url, settings.secret_key
    today = today or service.today_in_bangkok

    async def callback(request: web.Request) -> web.Response:
        secret = settings.payment_callback_secret
        if not secret:
            return _json_error(503, text("api_not_configured"))
        try:
            body = await read_whole(request.content, MAX_CALLBACK_BYTES, request.content_length)
        except BodyTooLarge:
            return _json_error(413, text("api_too_large", kb=MAX_CALLBACK_BYTES // 1024))
        if not signature_ok(secret, body, request.headers.get("X-Signature")):
            return _json_error(401, text("api_bad_signature"))
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # bad UTF-8 or JSON, 4,300+ digit ints, deep nesting
            return _json_error(400, text("api_bad_json"))
        try:
            status, answer = await asyncio.to_thread(
                service.record_confirmation, factory, data,
                receipt_url=lambda n: links.receipt_url(base, key, n))
        except service.PaymentError as exc:
            return _json_error(exc.status, exc.reason)
        return web.json_response(answer, status=status)

    async def held(request: web.Request) -> web.Response:
        found = await gate.check(request.headers.get("Authorization"))
        if isinstance(found, apikeys.Refusal):
            return _json_error(found.status, found.reason)

        def rows():
            with factory() as s:
                return [{"transaction_id": h.transaction_id, "bill_number": h.assessment_id and
                         s.get(Assessment, h.assessment_id).bill_number,
                         "amount": f"{service.baht(h.amount_satang):.2f}",
                         "expected_amount": f"{service.baht(h.expected_satang):.2f}",
                         "reason": h.reason, "status": h.status,
                         "paid_at": h.paid_at.isoformat()}
                        for h in s.scalars(select(HeldPayment).order_by(HeldPayment.id))]
        return web.json_response({"held": await asyncio.to_thread(rows)})

    async def css(_request: web.Request) -> web.Response:
        return web.Response(text=CSS, content_type="text/css",
                            headers={"Cache-Control": "public, max-age=86400"})

    async def js(_request: web.Request) -> web.Response:
        return web.Response(text=JS, content_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    async def bill_qr(request: web.Request) -> web.Response:
        number = request.match_info["bill"]
        if (refusal := _link_refusal(key, "bill", number, request.query.get("t"))) is not None:
            return refusal  # a page, not an image: a browser opening the link can read it
        bill = await asyncio.to_thread(service.find_bill, factory, number)
        if bill is None or bill.status != "unpaid" or not settings.promptpay_biller_id:
            return _not_found()
        due = service.amount_due(bill, today())
        payload = promptpay.bill_payment(settings.promptpay_biller_id, bill.bill_number,
                                         bill.ref2, amount=due.total)
        png = await asyncio.to_thread(promptpay.qr_png, payload)
        return web.Response(body=png, content_type="image/png", headers=NO_STORE)

    async def bill_page(request: web.Request) -> web.Response:
        number, given = request.match_info["bill"], request.query.get("t")
        if (refusal := _link_refusal(key, "bill", number, given)) is not None:
            return refusal
        bill = await asyncio.to_thread(service.find_bill, factory, number)
        if bill is None:
            return _not_found()
        due = service.amount_due(bill, today())
        e = html.escape
        rows = [(text("receipt_item_tax", year=bill.tax_year + 543), bill.tax)]
        if bill.late_filing:
            rows.append((text("receipt_item_late_filing"), bill.late_filing))
        if due.late_payment:
            rows.append((text("receipt_item_late_payment", months=due.months), due.late_payment))
        table = "".join(f"<tr><td>{e(label)}</td><td class='amount'>{figure(v)}</td></tr>"
                        for label, v in rows)
        lines = e(text("bill_lines", business=bill.business_name, district=bill.district_th,
                       year=bill.tax_year + 543, tax=say_baht(bill.tax), late_line=(
                           text("bill_late_line", amount=say_baht(bill.late_filing))
                           if bill.late_filing else ""), amount=say_baht(bill.amount),
                       due=thai_date(bill.due_on), ref1=bill.bill_number, ref2=bill.ref2))
        if bill.status == "paid":
            qr = f"<p>{e(text('page_paid', receipt_number=bill.receipt_number))}</p>"
        elif settings.promptpay_biller_id:
            alt = text("bill_image_alt", bill_number=bill.bill_number, amount=say_baht(due.total))
            # the page's own token: the image lives exactly as long as the page's link
            src = f"/signtax/bills/{bill.bill_number}/qr.png?t={given}"
            qr = f"<p><img src='{e(src)}' alt='{e(alt)}'></p>"
        else:
            qr = f"<p>{e(text('page_qr_not_configured'))}</p>"
        body = (f"<h1>{e(text('page_bill_title'))} {e(bill.bill_number)}</h1>"
                f"<p class='lines'>{lines}</p>"
                f"<table><tr><th>{e(text('page_items'))}</th><th class='amount'>บาท</th></tr>"
                f"{table}<tr><th>{e(text('page_total'))}</th><th class='amount'>"
                f"{figure(due.total)}</th></tr></table>"
                f"<p>{e(text('page_amount_today', amount=say_baht(due.total)))}</p>{qr}"
                f"<p>{e(text('bill_late_payment'))}</p><p>{e(text('page_synthetic_note'))}</p>")
        return _page(text("page_bill_title"), body)

    async def receipt_page(request: web.Request) -> web.Response:
        number = request.match_info["number"]
        if (refusal := _link_refusal(key, "receipt", number, request.query.get("t"))) is not None:
            return refusal
        r = await asyncio.to_thread(service.receipt, factory, number)
        if r is None:
            return _not_found()
        e = html.escape
        table = "".join(f"<tr><td>{e(i['label'])}</td><td class='amount'>"
                        f"{figure(Decimal(i['amount']))}</td></tr>" for i in r["items"])
        body = (f"<h1>{e(text('page_receipt_title'))}</h1>"
                f"<p>เลขที่ {e(r['receipt_number'])}<br>{e(text('page_date'))} "
                f"{e(thai_date(r['paid_on']))}<br>{e(text('page_payer'))} "
                f"{e(r['business_name'])}<br>สำนักงานเขต{e(r['district_th'])}<br>"
                f"ใบแจ้งชำระ {e(r['bill_number'])}</p>"
                f"<table><tr><th>{e(text('page_items'))}</th><th class='amount'>บาท</th></tr>"
                f"{table}<tr><th>{e(text('page_total'))}</th><th class='amount'>"
                f"{figure(r['amount'])}</th></tr></table>"
                f"<p>{e(say_baht(r['amount']))}</p><p>{e(text('page_synthetic_note'))}</p>")
        return _page(text("page_receipt_title"), body)

    app.router.add_get("/signtax/page.css", css)
    app.router.add_get("/signtax/page.js", js)
    app.router.add_post("/api/signtax/payments/callback", callback)
    app.router.add_get("/api/signtax/held-payments", held)
    app.router.add_get("/signtax/bills/{bill}", bill_page)
    app.router.add_get("/signtax/bills/{bill}/qr.png", bill_qr)
    app.router.add_get("/signtax/receipts/{number}", receipt_page)
