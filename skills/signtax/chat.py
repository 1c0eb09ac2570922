"""What the chat says after the form: the bill (with its PromptPay QR), receipts, history.

Typed answers (``bot.kernel.answer``) in phone-sized bubbles; the action only sends them.
Configuration (the public address, the signing key, whether PromptPay is on) is passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.answer import Answer, Card, Image, Link

from . import dialogue, links, service
from .speech import say_baht, thai_date
from .texts import text


@dataclass(frozen=True)
class Site:
    """Where the skill's pages are and how their links are signed."""

    base_url: str
    secret_key: str
    promptpay: bool = False  # a PromptPay biller id is configured: bills carry a QR


def _baht(spoken: bool) -> Callable[[Decimal], str]:
    """Amounts in figures; also in words when the user asked for the spoken form."""
    return say_baht if spoken else dialogue.plain_baht


def _bubbles(lines: list[str]) -> list[Answer]:
    """Lines (each may hold several) in phone-sized bubbles, split between lines."""
    return dialogue.pack([[line for part in lines for line in part.split("\n")]])


def file_from_state(factory: sessionmaker[Session], sender: str,
                    state: dict[str, Any]) -> service.Bill:
    """File the return the form collected (signs, district, business) and bill it."""
    return service.file_return(
        factory, sender_id=sender, business_name=state["business"],
        district_code=state["district"]["code"], district_th=state["district"]["name_th"],
        signs=[dialogue.to_sign(s) for s in state["signs"]], today=service.today_in_bangkok())


def bill_answers(bill: service.Bill, site: Site, spoken: bool = False) -> list[Answer]:
    """The bill: its lines, then how to pay (the QR image with its alt text), then the
    late-payment note."""
    baht = _baht(spoken)
    late = (text("bill_late_line", amount=baht(bill.late_filing)) if bill.late_filing
            else "")
    head = ([text("bill_existing")] if bill.existing else []) + [
        text("bill_header", bill_number=bill.bill_number),
        text("bill_lines", business=bill.business_name, district=bill.district_th,
             year=bill.tax_year + 543, tax=baht(bill.tax), late_line=late,
             amount=baht(bill.amount), due=thai_date(bill.due_on),
             ref1=bill.bill_number, ref2=bill.ref2)]
    page = links.bill_url(site.base_url, site.secret_key, bill.bill_number)
    answers = _bubbles(head)
    pay = (links.bill_qr_url(site.base_url, site.secret_key, bill.bill_number)
           if site.promptpay else None)
    answers[0] = replace(answers[0], card=bill_card(bill, page, pay, baht))
    if site.promptpay:
        answers.append(Answer(text("bill_qr", link=page), image=Image(
            links.bill_qr_url(site.base_url, site.secret_key, bill.bill_number),
            text("bill_image_alt", bill_number=bill.bill_number, amount=say_baht(bill.amount)))))
    else:
        answers.append(Answer(text("bill_no_qr", district=bill.district_th, link=page)))
    answers.append(Answer(text("bill_late_payment")))
    return answers


def bill_card(bill: service.Bill, page: str, pay: str | None,
              baht: Callable[[Decimal], str]) -> Card:
    """The bill as a card: amount and due date first, then the references; a button to pay
    (the PromptPay QR, when the district takes it) and to view or print the bill."""
    paid = bill.status == "paid"
    return Card(
        text("card_title", bill_number=bill.bill_number),
        text("card_subtitle", business=bill.business_name, district=bill.district_th),
        ((text("card_amount"), baht(bill.amount)), (text("card_due"), thai_date(bill.due_on)),
         (text("card_ref1"), bill.bill_number), (text("card_ref2"), bill.ref2)),
        text("card_paid") if paid else text("card_unpaid"), "ok" if paid else "warn",
        ((Link(text("card_pay"), pay),) if pay and not paid else ())
        + (Link(text("card_view"), page),))


def history_answers(rows: list[dict], site: Site, receipts_only: bool,
                    spoken: bool = False) -> list[Answer]:
    """The receipts (each with its signed link), or every filing with its status."""
    return _bubbles(_history_lines(rows, site, receipts_only, _baht(spoken)))


def _history_lines(rows: list[dict], site: Site, receipts_only: bool,
                   say: Callable[[Decimal], str]) -> list[str]:
    if receipts_only:
        lines = [text("receipt_line", receipt_number=r["receipt_number"],
                      date=thai_date(r["paid_on"]), bill_number=r["bill_number"],
                      amount=say(r["amount"]), link=links.receipt_url(
                          site.base_url, site.secret_key, r["receipt_number"]))
                 for r in rows if r["receipt_number"]]
        return lines or [text("receipts_none")]
    if not rows:
        return [text("history_none")]
    lines = [text("history_header")]
    for n, r in enumerate(rows, start=1):
        status = (text("status_paid", receipt_number=r["receipt_number"],
                       paid=thai_date(r["paid_on"])) if r["receipt_number"]
                  else text("status_unpaid"))
        lines.append(text("history_line", n=n, year=r["tax_year"] + 543,
                          business=r["business_name"], district=r["district_th"],
                          signs=r["signs"], filed=thai_date(r["filed_on"]),
                          bill_number=r["bill_number"] or "-", amount=say(r["amount"]),
                          status=status))
    return lines
