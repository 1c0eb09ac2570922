"""Web routes of the signtax skill: bank payment callback, bill page and QR, receipt page.

* ``POST /api/signtax/payments/callback``: the bank's confirmation, JSON
  ``{"transaction_id", "bill_number", "amount", "paid_at"}`` signed with
  ``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` using
  ``settings.payment_callback_secret``. 401 bad signature, 404 unknown bill, 400 bad data,
  200 accepted (receipt number), 202 held for review; a replay is answered the same way.
* ``GET /api/signtax/held-payments``: staff (Bearer ``settings.staff_token``) list of held ones.
* ``GET /signtax/bills/{bill}?t=…`` printable bill with the QR; ``…/qr.png`` the QR image
  (amount due on the day it is fetched); ``GET /signtax/receipts/{number}?t=…`` receipt.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
from decimal import Decimal

from aiohttp import web
from sqlalchemy import select

from bot import staff
from bot.db import session_factory

from . import links, promptpay, service
from .models import Assessment, HeldPayment
from .speech import figure, say_baht, thai_date
from .texts import text

MAX_CALLBACK_BYTES = 16 * 1024


def _json_error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    doc = f"""<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#111}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #999;padding:.4rem;text-align:left}}
.amount{{text-align:right}}img{{width:16rem;height:16rem}}
@media print{{.noprint{{display:none}}}}</style></head><body>{body}
<p class="noprint"><a href="javascript:print()">{html.escape(text("page_print"))}</a></p>
</body></html>"""
    return web.Response(text=doc, content_type="text/html", status=status)


def _not_found() -> web.Response:
    return _page(text("page_not_found"), f"<p>{html.escape(text('page_not_found'))}</p>", 404)


def setup(app: web.Application, settings) -> None:
    """Mount the routes; configuration comes from ``settings`` (never the environment)."""
    factory = session_factory(settings.database_url)
    base, key = settings.public_base_url, settings.secret_key

    async def callback(request: web.Request) -> web.Response:
        secret = settings.payment_callback_secret
        if not secret:
            return _json_error(503, text("api_not_configured"))
        body = await request.content.read(MAX_CALLBACK_BYTES + 1)
        if len(body) > MAX_CALLBACK_BYTES:
            return _json_error(413, text("api_body_not_object"))
        given = request.headers.get("X-Signature", "").removeprefix("sha256=")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            return _json_error(401, text("api_bad_signature"))
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _json_error(400, text("api_bad_json"))
        try:
            status, answer = await asyncio.to_thread(
                service.record_confirmation, factory, data,
                receipt_url=lambda n: links.receipt_url(base, key, n))
        except service.PaymentError as exc:
            return _json_error(exc.status, exc.reason)
        return web.json_response(answer, status=status)

    async def held(request: web.Request) -> web.Response:
        why = staff.refusal(settings.staff_token, request.headers.get("Authorization"))
        if why == staff.NOT_CONFIGURED:
            return _json_error(503, text("api_staff_not_configured"))
        if why is not None:
            return _json_error(401, text("api_staff_only"))

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

    def _bill_or_none(request: web.Request):
        number = request.match_info["bill"]
        if not links.valid(key, "bill", number, request.query.get("t")):
            return None
        return service.find_bill(factory, number)

    async def bill_qr(request: web.Request) -> web.Response:
        bill = await asyncio.to_thread(_bill_or_none, request)
        if bill is None or bill.status != "unpaid" or not settings.promptpay_biller_id:
            return _not_found()
        due = service.amount_due(bill, service.today_in_bangkok())
        payload = promptpay.bill_payment(settings.promptpay_biller_id, bill.bill_number,
                                         bill.ref2, amount=due.total)
        png = await asyncio.to_thread(promptpay.qr_png, payload)
        return web.Response(body=png, content_type="image/png",
                            headers={"Cache-Control": "no-store"})

    async def bill_page(request: web.Request) -> web.Response:
        bill = await asyncio.to_thread(_bill_or_none, request)
        if bill is None:
            return _not_found()
        due = service.amount_due(bill, service.today_in_bangkok())
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
            src = links.bill_qr_url("", key, bill.bill_number)
            qr = f"<p><img src='{e(src)}' alt='{e(alt)}'></p>"
        else:
            qr = f"<p>{e(text('page_qr_not_configured'))}</p>"
        body = (f"<h1>{e(text('page_bill_title'))} {e(bill.bill_number)}</h1>"
                f"<p style='white-space:pre-line'>{lines}</p>"
                f"<table><tr><th>{e(text('page_items'))}</th><th class='amount'>บาท</th></tr>"
                f"{table}<tr><th>{e(text('page_total'))}</th><th class='amount'>"
                f"{figure(due.total)}</th></tr></table>"
                f"<p>{e(text('page_amount_today', amount=say_baht(due.total)))}</p>{qr}"
                f"<p>{e(text('bill_late_payment'))}</p><p>{e(text('page_synthetic_note'))}</p>")
        return _page(text("page_bill_title"), body)

    async def receipt_page(request: web.Request) -> web.Response:
        number = request.match_info["number"]
        if not links.valid(key, "receipt", number, request.query.get("t")):
            return _not_found()
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

    app.router.add_post("/api/signtax/payments/callback", callback)
    app.router.add_get("/api/signtax/held-payments", held)
    app.router.add_get("/signtax/bills/{bill}", bill_page)
    app.router.add_get("/signtax/bills/{bill}/qr.png", bill_qr)
    app.router.add_get("/signtax/receipts/{number}", receipt_page)
