"""Filing, assessment (bill), bank payment confirmation, receipts, history and reminders.

Every write happens in one transaction; repeating a request (a retried chat turn, a bank
re-sending its confirmation) changes nothing the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel import notify
from bot.kernel.answer import Target, ask

from . import tax
from .models import Assessment, Business, Filing, HeldPayment, Payment, SignRecord
from .speech import say_baht, thai_date
from .texts import text

BANGKOK = timezone(timedelta(hours=7))  # Thailand keeps no daylight saving
# fullmatch, not "$": "$" also matches before a trailing newline.
_TX = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_BILL = re.compile(r"[A-Z0-9]{1,20}")
# No sign-tax bill comes near this; anything larger is a bank error (and would not fit the
# database's integer columns as satang).
MAX_AMOUNT = Decimal(1_000_000_000)
# Payment dates outside these years are typos or fuzz; they would also overflow time zones.
PAID_YEARS = (2000, 2200)


class PaymentError(ValueError):
    """A bank confirmation that cannot be processed: ``status`` (HTTP) and a Thai ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def satang(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def baht(value: int) -> Decimal:
    return tax._money(Decimal(value) / 100)


def today_in_bangkok(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(BANGKOK).date()


@dataclass(frozen=True)
class Bill:
    """What the citizen needs to pay: shown beside the QR code and on the bill page."""

    bill_number: str
    ref2: str
    tax_year: int
    business_name: str
    district_th: str
    tax: Decimal
    late_filing: Decimal
    late_filing_rule: str
    amount: Decimal
    issued_on: date
    due_on: date
    status: str
    existing: bool = False
    receipt_number: str | None = None


def _bill(a: Assessment, existing: bool = False) -> Bill:
    f = a.filing
    return Bill(bill_number=a.bill_number, ref2=a.ref2, tax_year=f.tax_year,
                business_name=f.business.name, district_th=f.business.district_th,
                tax=baht(f.tax_satang), late_filing=baht(f.late_filing_satang),
                late_filing_rule=f.late_filing_rule, amount=baht(a.amount_satang),
                issued_on=a.issued_on, due_on=a.due_on, status=a.status, existing=existing,
                receipt_number=a.payment.receipt_number if a.payment else None)


def _signature(results: list[tax.SignTax]) -> list[tuple]:
    return [(round(r.sign.width_cm * 10), round(r.sign.length_cm * 10), r.sign.sign_type,
             r.sign.moving, r.sign.installed_on, r.sign.exemption) for r in results]


def file_return(factory: sessionmaker[Session], *, sender_id: str, business_name: str,
                district_code: str, district_th: str, signs: list[tax.Sign], today: date,
                rules: tax.Rules | None = None) -> Bill:
    """File ภ.ป.1 for ``signs`` and issue the assessment with its bill number.

    Filing the same signs again for the same business and year returns the unpaid bill
    already issued instead of a second one.
    """
    rules = rules or tax.load_rules()
    name = " ".join(business_name.split())[:200]
    if not name or not signs:
        raise ValueError("a filing needs a business name and at least one sign")
    year = today.year
    results = [tax.compute_sign(s, year, rules) for s in signs]
    total = tax.total(results)
    if total <= 0:
        raise ValueError("nothing to pay: every sign is exempt")
    deadline = max(tax.filing_deadline(year, s.installed_on, rules) for s in signs)
    late, late_rule = tax.late_filing_surcharge(total, today, deadline, notified=False,
                                                rules=rules)
    with factory.begin() as session:
        business = session.scalars(select(Business).where(
            Business.sender_id == sender_id, Business.name == name,
            Business.district_code == district_code)).first()
        if business is None:
            business = Business(sender_id=sender_id, name=name, district_code=district_code,
                                district_th=district_th)
            session.add(business)
            session.flush()
        for old in business.filings:
            a = old.assessment
            if (old.tax_year == year and a is not None and a.status == "unpaid"
                    and _signature([tax.compute_sign(_sign(r), year, rules)
                                    for r in old.signs]) == _signature(results)):
                return _bill(a, existing=True)
        filing = Filing(business=business, tax_year=year, filed_on=today,
                        filing_deadline=deadline, schedule_id=results[0].schedule_id,
                        tax_satang=satang(total), late_filing_satang=satang(late),
                        late_filing_rule=late_rule)
        session.add(filing)
        for i, r in enumerate(results, start=1):
            session.add(SignRecord(
                filing=filing, position=i, width_mm=round(r.sign.width_cm * 10),
                length_mm=round(r.sign.length_cm * 10), sign_type=r.sign.sign_type,
                moving=r.sign.moving, installed_on=r.sign.installed_on,
                exemption=r.sign.exemption, units=r.units, rate=r.rate,
                tax_satang=satang(r.tax), working={"steps": list(r.steps),
                                                   "area_cm2": str(r.area_cm2)}))
        assessment = Assessment(filing=filing, ref2=f"{district_code[-4:]}{year + 543}",
                                amount_satang=satang(total + late), issued_on=today,
                                due_on=tax.payment_due(today, rules))
        session.add(assessment)
        session.flush()
        assessment.bill_number = f"ST{year % 100:02d}{district_code[-2:]}{assessment.id:07d}"
        session.flush()
        return _bill(assessment)


def _sign(r: SignRecord) -> tax.Sign:
    return tax.Sign(r.width_mm / 10, r.length_mm / 10, r.sign_type, r.moving,
                    r.installed_on, r.exemption)


def find_bill(factory: sessionmaker[Session], bill_number: str) -> Bill | None:
    with factory() as session:
        a = session.scalars(select(Assessment).where(
            Assessment.bill_number == bill_number)).first()
        return _bill(a) if a is not None else None


@dataclass(frozen=True)
class Due:
    base: Decimal
    late_payment: Decimal
    months: int
    total: Decimal


def amount_due(bill: Bill | Assessment, on: date, rules: tax.Rules | None = None) -> Due:
    """What must be paid on ``on``: the bill plus 2% of the tax per started month late."""
    if isinstance(bill, Assessment):
        base, tax_amount, due_on = (baht(bill.amount_satang), baht(bill.filing.tax_satang),
                                    bill.due_on)
    else:
        base, tax_amount, due_on = bill.amount, bill.tax, bill.due_on
    late, months = tax.late_payment_surcharge(tax_amount, due_on, on, rules)
    return Due(base=base, late_payment=late, months=months, total=tax._money(base + late))


# --- bank confirmation ------------------------------------------------------------------------

def parse_confirmation(body: Any) -> tuple[str, str, Decimal, datetime]:
    """``(transaction id, bill number, amount, paid at)`` from the bank's JSON, or PaymentError."""
    if not isinstance(body, dict):
        raise PaymentError(400, text("api_body_not_object"))
    tx, bill = body.get("transaction_id"), body.get("bill_number")
    if not isinstance(tx, str) or not _TX.fullmatch(tx):
        raise PaymentError(400, text("api_bad_transaction"))
    if not isinstance(bill, str) or not _BILL.fullmatch(bill):
        raise PaymentError(400, text("api_bad_bill"))
    amount = _amount(body.get("amount"))
    raw = body.get("paid_at")
    try:
        if not isinstance(raw, str) or len(raw) > 40:
            raise ValueError(raw)
        paid_at = datetime.fromisoformat(raw)
        if paid_at.tzinfo is None:
            paid_at = paid_at.replace(tzinfo=BANGKOK)
        if not PAID_YEARS[0] <= paid_at.astimezone(BANGKOK).year <= PAID_YEARS[1]:
            raise ValueError(raw)
    except (ValueError, OverflowError):
        raise PaymentError(400, text("api_bad_paid_at")) from None
    return tx, bill, amount, paid_at


def _amount(raw: Any) -> Decimal:
    """A positive amount of baht with at most two decimals, up to ``MAX_AMOUNT``, or
    PaymentError: a bool, NaN, infinity, a huge number or a long string is refused."""
    try:
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise InvalidOperation
        if isinstance(raw, int) and abs(raw) > MAX_AMOUNT:  # before str(): no 4,300-digit text
            raise InvalidOperation
        written = str(raw).strip()
        if len(written) > 32:
            raise InvalidOperation
        amount = Decimal(written)
        if (not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT
                or amount != amount.quantize(Decimal("0.01"))):
            raise InvalidOperation
    except (InvalidOperation, ValueError, OverflowError):
        raise PaymentError(400, text("api_bad_amount")) from None
    return amount


def record_confirmation(factory: sessionmaker[Session], body: Any, *,
                        rules: tax.Rules | None = None, receipt_url=None) -> tuple[int, dict]:
    """Apply a bank confirmation: ``(HTTP status, JSON answer)``.

    The exact amount due on the day paid is accepted and gets a receipt; any other amount,
    or a second payment of a paid bill, is held for review. The same transaction twice is
    answered the same way and recorded once. Raises ``PaymentError`` (nothing written).
    """
    tx, bill_number, amount, paid_at = parse_confirmation(body)
    try:
        return _record(factory, tx, bill_number, amount, paid_at, rules, receipt_url)
    except IntegrityError:  # the same transaction arrived concurrently: answer as a replay
        return _record(factory, tx, bill_number, amount, paid_at, rules, receipt_url)


def _record(factory, tx, bill_number, amount, paid_at, rules, receipt_url) -> tuple[int, dict]:
    with factory.begin() as session:
        done = session.scalars(select(Payment).where(Payment.transaction_id == tx)).first()
        if done is not None:
            return 200, {"status": "accepted", "receipt_number": done.receipt_number,
                         "duplicate": True}
        held = session.scalars(select(HeldPayment).where(HeldPayment.transaction_id == tx)).first()
        if held is not None:  # answered as the first time it arrived, marked as a replay
            return 202, {"status": "held", "reason": held.reason,
                         "expected_amount": f"{baht(held.expected_satang):.2f}",
                         "message": text("api_held_" + held.reason), "duplicate": True}
        a = session.scalars(select(Assessment).where(
            Assessment.bill_number == bill_number)).first()
        if a is None:
            raise PaymentError(404, text("api_unknown_bill"))
        due = amount_due(a, paid_at.astimezone(BANGKOK).date(), rules)
        reason = ("already_paid" if a.status == "paid"
                  else "amount_mismatch" if amount != due.total else None)
        if reason is not None:
            session.add(HeldPayment(assessment_id=a.id, transaction_id=tx,
                                    amount_satang=satang(amount),
                                    expected_satang=satang(due.total), paid_at=paid_at,
                                    reason=reason))
            return 202, {"status": "held", "reason": reason,
                         "expected_amount": f"{due.total:.2f}", "message": text(
                             "api_held_" + reason), "duplicate": False}
        items = [{"label": text("receipt_item_tax", year=a.filing.tax_year + 543),
                  "amount": f"{baht(a.filing.tax_satang):.2f}"}]
        if a.filing.late_filing_satang:
            items.append({"label": text("receipt_item_late_filing"),
                          "amount": f"{baht(a.filing.late_filing_satang):.2f}"})
        if due.late_payment:
            items.append({"label": text("receipt_item_late_payment", months=due.months),
                          "amount": f"{due.late_payment:.2f}"})
        payment = Payment(assessment=a, transaction_id=tx, amount_satang=satang(amount),
                          late_payment_satang=satang(due.late_payment),
                          late_payment_months=due.months, paid_at=paid_at, items=items)
        session.add(payment)
        session.flush()
        payment.receipt_number = f"RS{a.filing.tax_year % 100:02d}{payment.id:08d}"
        a.status = "paid"
        link = receipt_url(payment.receipt_number) if receipt_url else ""
        notify.enqueue(session, a.filing.business.sender_id, text(
            "notify_paid", bill_number=a.bill_number, amount=say_baht(amount),
            receipt_number=payment.receipt_number, link=link).strip(),
            kind="signtax.receipt", dedupe_key=f"signtax:receipt:{payment.receipt_number}")
        return 200, {"status": "accepted", "receipt_number": payment.receipt_number,
                     "duplicate": False}


# --- receipts, history, reminders ------------------------------------------------------------

def receipt(factory: sessionmaker[Session], receipt_number: str) -> dict | None:
    """A receipt's number, date, payer, bill and items, or ``None``."""
    with factory() as session:
        p = session.scalars(select(Payment).where(
            Payment.receipt_number == receipt_number)).first()
        if p is None:
            return None
        a = p.assessment
        return {"receipt_number": p.receipt_number, "bill_number": a.bill_number,
                "paid_on": p.paid_at.astimezone(BANGKOK).date() if p.paid_at.tzinfo else
                p.paid_at.date(), "business_name": a.filing.business.name,
                "district_th": a.filing.business.district_th, "tax_year": a.filing.tax_year,
                "items": p.items, "amount": baht(p.amount_satang),
                "sender_id": a.filing.business.sender_id,
                "signs": [{"width_cm": s.width_mm / 10, "length_cm": s.length_mm / 10,
                           "sign_type": s.sign_type, "moving": s.moving,
                           "tax": baht(s.tax_satang)} for s in a.filing.signs]}


def history(factory: sessionmaker[Session], sender_id: str) -> list[dict]:
    """Every filing of this conversation's businesses with its bill and payment, newest first."""
    with factory() as session:
        rows = session.scalars(select(Filing).join(Business).where(
            Business.sender_id == sender_id).order_by(Filing.id.desc())).all()
        out = []
        for f in rows:
            a, p = f.assessment, f.assessment.payment if f.assessment else None
            out.append({"business_name": f.business.name, "district_th": f.business.district_th,
                        "tax_year": f.tax_year, "filed_on": f.filed_on,
                        "signs": len(f.signs), "amount": baht(a.amount_satang) if a else
                        Decimal(0), "bill_number": a.bill_number if a else None,
                        "status": a.status if a else "exempt",
                        "receipt_number": p.receipt_number if p else None,
                        "paid_on": p.paid_at.astimezone(BANGKOK).date() if p else None})
        return out


def enqueue_march_reminders(factory: sessionmaker[Session], today: date) -> int:
    """Remind every business that filed last year, and has not filed this year, to file
    within March.

    Safe to run any number of times (one reminder per business and year, by dedupe key);
    outside March it does nothing. Returns how many reminders this run queued: a reminder
    already queued by an earlier run is not counted again.
    """
    if today.month != 3:
        return 0
    count = 0
    with factory.begin() as session:
        filed_now = select(Filing.business_id).where(Filing.tax_year == today.year)
        businesses = session.scalars(select(Business).join(Filing).where(
            Filing.tax_year == today.year - 1, Business.id.not_in(filed_now))
            .order_by(Business.id).distinct()).all()
        deadline = tax.filing_deadline(today.year)
        for b in businesses:
            key = f"signtax:reminder:{b.id}:{today.year}"
            if session.scalar(select(notify.Notification.id).where(
                    notify.Notification.dedupe_key == key)) is not None:
                continue
            notify.enqueue(session, b.sender_id, ask(text(
                "notify_march_reminder", business=b.name, district=b.district_th,
                year=today.year + 543, deadline=thai_date(deadline)),
                [(text("button_calculate"), Target("signtax_calculate"))]),
                kind="signtax.reminder", dedupe_key=key)
            count += 1
    return count
