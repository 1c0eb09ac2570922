"""Requests for resources and their life: request → pledges → dispatch → received; cancel.

A pledge reserves stock with one conditional UPDATE (``... WHERE quantity - reserved >=
:qty``) and raises the request line's pledged amount the same way (``... WHERE quantity -
pledged >= :qty``): whichever of two simultaneous pledges comes second finds the condition
false and is refused, so stock never goes below zero and a line is never pledged twice,
on SQLite and PostgreSQL alike, without holding locks across a conversation.

Every change is written to the audit table and told to the requester (``notify_to``) in
the same transaction, so the record, the audit line and the message stand or fall together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.kernel import notify

from .catalogue import CATALOGUE, UnitError
from .models import (
    PRIORITIES,
    AuditEntry,
    Item,
    Organisation,
    Pledge,
    Request,
    RequestItem,
    Site,
    Stock,
)
from .texts import texts


class RequestError(ValueError):
    """A request or a change that cannot be made; ``str()`` is the Thai reason, ``status``
    the HTTP status an API answers with."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Line:
    """One wanted item as asked: the item (code or any spelling), a quantity and its unit."""

    item: str
    quantity: Any
    unit: str = ""


def audit(session: Session, actor: str, action: str, entity: str, entity_id: int,
          **detail: Any) -> None:
    """Write one audit line in the caller's transaction."""
    session.add(AuditEntry(actor=actor[:64], action=action, entity=entity, entity_id=entity_id,
                           detail=detail))


def _tell(session: Session, request: Request, event: str, key: str, **values: Any) -> None:
    if request.notify_to:
        text = texts(f"lifecycle.{event}", ref=request.ref,
                     status=texts(f"request_status.{request.status}"), **values)
        notify.enqueue(session, request.notify_to, text, kind=f"disaster.request.{event}",
                       dedupe_key=f"disaster:{request.id}:{key}")


REF = re.compile(r"(?:DR-?)?0*(\d{1,9})", re.ASCII | re.IGNORECASE)


def by_ref(session: Session, ref: str) -> Request | None:
    """The request numbered ``ref`` ("DR-000042", "dr-42" or "42"); None for anything else
    (ASCII digits only: ``"²".isdigit()`` is true, but it is no number)."""
    found = REF.fullmatch(str(ref).strip())
    return session.get(Request, int(found[1])) if found else None


def create_request(session: Session, *, lines: list[Line], requester_org: Organisation | None,
                   requester_name: str = "", notify_to: str = "", priority: int = 2,
                   place_th: str = "", lat: float | None = None, lon: float | None = None,
                   needed_by: date | None = None, purpose: str = "", actor: str = "") -> Request:
    """A new request; quantities are converted to base units through the catalogue."""
    if priority not in PRIORITIES:
        raise RequestError(texts("reasons.priority"))
    if not lines:
        raise RequestError(texts("reasons.no_items"))
    converted: list[tuple[Item, int]] = []
    items = CATALOGUE.sync(session)
    for line in lines:
        code = line.item if line.item in CATALOGUE.items else CATALOGUE.item_code(line.item)
        if code is None:
            raise RequestError(texts("reasons.unknown_item", item=line.item))
        try:
            qty = CATALOGUE.to_base(code, line.quantity, line.unit)
        except UnitError as exc:
            raise RequestError(str(exc)) from None
        if qty <= 0:
            raise RequestError(texts("reasons.quantity_positive"))
        converted.append((items[code], qty))
    request = Request(requester_org_id=requester_org.id if requester_org else None,
                      requester_name=requester_name[:200], notify_to=notify_to[:128],
                      priority=priority, place_th=place_th[:300], latitude=lat, longitude=lon,
                      needed_by=needed_by, purpose=purpose[:500], status="submitted")
    session.add(request)
    session.flush()
    for item, qty in converted:
        session.add(RequestItem(request_id=request.id, item_id=item.id, quantity=qty))
    session.flush()
    audit(session, actor or (requester_org.code if requester_org else "chat"), "create",
          "request", request.id, items={i.code: q for i, q in converted}, priority=priority)
    _tell(session, request, "created", "created")
    return request


def _lines(session: Session, request: Request) -> list[RequestItem]:
    return list(session.scalars(select(RequestItem).where(RequestItem.request_id == request.id)
                                .order_by(RequestItem.id)))


def _refresh_status(session: Session, request: Request) -> None:
    """The request's status from its lines (cancelled stays cancelled)."""
    if request.status == "cancelled":
        return
    lines = _lines(session, request)
    for line in lines:
        session.refresh(line)
    want = sum(line.quantity for line in lines)
    pledged = sum(line.pledged for line in lines)
    sent = sum(line.dispatched for line in lines)
    got = sum(line.received for line in lines)
    if got >= want:
        status = "received"
    elif got:
        status = "partially_received"
    elif sent >= want:
        status = "dispatched"
    elif sent:
        status = "partially_dispatched"
    elif pledged >= want:
        status = "pledged"
    elif pledged:
        status = "partially_pledged"
    else:
        status = "submitted"
    request.status = status


def pledge(session: Session, request: Request, org: Organisation, stock_id: int,
           quantity: Any, unit: str = "", actor: str = "") -> Pledge:
    """``org`` pledges ``quantity`` (in ``unit``, default the base unit) from its stock line
    ``stock_id`` to the request's line for that item. Refused, with nothing changed, when the
    stock has not that much unreserved or the line needs less."""
    if request.status in ("cancelled", "received"):
        raise RequestError(texts("reasons.request_closed", status=texts(
            f"request_status.{request.status}")), 409)
    stock = session.get(Stock, stock_id)
    if stock is None:
        raise RequestError(texts("reasons.stock_not_found"), 404)
    site = session.get(Site, stock.site_id)
    if site.org_id != org.id:
        raise RequestError(texts("reasons.not_your_stock"), 403)
    item = session.get(Item, stock.item_id)
    try:
        qty = CATALOGUE.to_base(item.code, quantity, unit)
    except UnitError as exc:
        raise RequestError(str(exc)) from None
    if qty <= 0:
        raise RequestError(texts("reasons.quantity_positive"))
    line = session.scalars(select(RequestItem).where(RequestItem.request_id == request.id,
                                                     RequestItem.item_id == item.id)).first()
    if line is None:
        raise RequestError(texts("reasons.item_not_requested", item=item.name_th))
    # The two guarded updates: each succeeds only if there is room, whoever else is pledging.
    taken = session.execute(update(RequestItem).where(
        RequestItem.id == line.id, RequestItem.quantity - RequestItem.pledged >= qty)
        .values(pledged=RequestItem.pledged + qty).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise RequestError(texts("reasons.over_pledged", item=item.name_th), 409)
    held = session.execute(update(Stock).where(
        Stock.id == stock.id, Stock.quantity - Stock.reserved >= qty)
        .values(reserved=Stock.reserved + qty).execution_options(synchronize_session=False))
    if held.rowcount != 1:
        raise RequestError(texts("reasons.not_enough_stock", item=item.name_th), 409)
    made = Pledge(request_item_id=line.id, org_id=org.id, stock_id=stock.id, quantity=qty)
    session.add(made)
    session.flush()
    _refresh_status(session, request)
    audit(session, actor or org.code, "pledge", "request", request.id, pledge=made.id,
          item=item.code, quantity=qty, stock=stock.id, org=org.code)
    _tell(session, request, "pledged", f"pledge:{made.id}", org=org.name_th,
          item=item.name_th, quantity=qty, unit=item.base_unit)
    return made


def _pledge_parts(session: Session, pledge_id: int) -> tuple[Pledge, RequestItem, Request, Item]:
    made = session.get(Pledge, pledge_id)
    if made is None:
        raise RequestError(texts("reasons.pledge_not_found"), 404)
    line = session.get(RequestItem, made.request_item_id)
    return made, line, session.get(Request, line.request_id), session.get(Item, line.item_id)


def _move(session: Session, pledge_id: int, org: Organisation | None, frm: str, to: str,
          actor: str) -> Pledge:
    made, line, request, item = _pledge_parts(session, pledge_id)
    if org is not None and made.org_id != org.id and to != "received":
        raise RequestError(texts("reasons.not_your_pledge"), 403)
    moved = session.execute(update(Pledge).where(Pledge.id == made.id, Pledge.status == frm)
                            .values(status=to).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        session.refresh(made)
        if made.status == to:
            return made  # a repeated call: already done, nothing changes twice
        raise RequestError(texts("reasons.pledge_state", status=made.status), 409)
    session.refresh(made)
    if to == "dispatched":
        session.execute(update(Stock).where(Stock.id == made.stock_id).values(
            quantity=Stock.quantity - made.quantity, reserved=Stock.reserved - made.quantity)
            .execution_options(synchronize_session=False))
        session.execute(update(RequestItem).where(RequestItem.id == line.id).values(
            dispatched=RequestItem.dispatched + made.quantity)
            .execution_options(synchronize_session=False))
    elif to == "received":
        session.execute(update(RequestItem).where(RequestItem.id == line.id).values(
            received=RequestItem.received + made.quantity)
            .execution_options(synchronize_session=False))
    _refresh_status(session, request)
    audit(session, actor, to, "pledge", made.id, request=request.id, item=item.code,
          quantity=made.quantity)
    _tell(session, request, to, f"{to}:{made.id}", item=item.name_th, quantity=made.quantity,
          unit=item.base_unit)
    return made


def dispatch(session: Session, pledge_id: int, org: Organisation | None = None,
             actor: str = "") -> Pledge:
    """The pledging agency sends the goods: stock leaves its site (reservation consumed)."""
    return _move(session, pledge_id, org, "pledged", "dispatched", actor or (org.code if org else "host"))


def receive(session: Session, pledge_id: int, org: Organisation | None = None,
            actor: str = "") -> Pledge:
    """The requester confirms the goods of one pledge arrived."""
    return _move(session, pledge_id, org, "dispatched", "received", actor or (org.code if org else "host"))


def _release(session: Session, made: Pledge) -> None:
    session.execute(update(Stock).where(Stock.id == made.stock_id)
                    .values(reserved=Stock.reserved - made.quantity)
                    .execution_options(synchronize_session=False))
    session.execute(update(RequestItem).where(RequestItem.id == made.request_item_id)
                    .values(pledged=RequestItem.pledged - made.quantity)
                    .execution_options(synchronize_session=False))


def cancel_pledge(session: Session, pledge_id: int, org: Organisation | None = None,
                  actor: str = "") -> Pledge:
    """Withdraw a pledge not yet dispatched: its reservation goes back to the stock."""
    made, line, request, item = _pledge_parts(session, pledge_id)
    if org is not None and made.org_id != org.id:
        raise RequestError(texts("reasons.not_your_pledge"), 403)
    moved = session.execute(update(Pledge).where(Pledge.id == made.id, Pledge.status == "pledged")
                            .values(status="cancelled").execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        session.refresh(made)
        if made.status == "cancelled":
            return made
        raise RequestError(texts("reasons.pledge_state", status=made.status), 409)
    _release(session, made)
    session.refresh(made)
    _refresh_status(session, request)
    audit(session, actor or (org.code if org else "host"), "cancel", "pledge", made.id,
          request=request.id, quantity=made.quantity)
    _tell(session, request, "pledge_cancelled", f"pledge_cancelled:{made.id}", item=item.name_th,
          quantity=made.quantity, unit=item.base_unit)
    return made


def cancel_request(session: Session, request: Request, actor: str = "") -> int:
    """Cancel a request: every pledge not yet dispatched is released (goods already on the
    way stay on their way). Returns how many reservations were released."""
    if request.status == "cancelled":
        return 0
    if request.status == "received":
        raise RequestError(texts("reasons.request_closed",
                                 status=texts("request_status.received")), 409)
    released = 0
    line_ids = [line.id for line in _lines(session, request)]
    for made in session.scalars(select(Pledge).where(Pledge.request_item_id.in_(line_ids),
                                                     Pledge.status == "pledged")):
        moved = session.execute(update(Pledge).where(Pledge.id == made.id,
                                                     Pledge.status == "pledged")
                                .values(status="cancelled")
                                .execution_options(synchronize_session=False))
        if moved.rowcount == 1:
            _release(session, made)
            released += 1
    request.status = "cancelled"
    session.flush()
    audit(session, actor or "host", "cancel", "request", request.id, released=released)
    _tell(session, request, "cancelled", "cancelled", released=released)
    return released


def view(session: Session, request: Request) -> dict[str, Any]:
    """The request as staff APIs show it: lines with pledged, dispatched, received; pledges."""
    lines = []
    for line in _lines(session, request):
        item = session.get(Item, line.item_id)
        pledges = [{"id": p.id, "org_code": session.get(Organisation, p.org_id).code,
                    "stock_id": p.stock_id, "quantity": p.quantity, "status": p.status}
                   for p in session.scalars(select(Pledge).where(
                       Pledge.request_item_id == line.id).order_by(Pledge.id))]
        lines.append({"item": item.code, "item_th": item.name_th, "unit": item.base_unit,
                      "quantity": line.quantity, "pledged": line.pledged,
                      "dispatched": line.dispatched, "received": line.received,
                      "pledges": pledges})
    org = session.get(Organisation, request.requester_org_id) if request.requester_org_id else None
    return {"ref": request.ref, "status": request.status,
            "status_th": texts(f"request_status.{request.status}"),
            "priority": request.priority, "requester_org": org.code if org else "",
            "requester_name": request.requester_name, "place_th": request.place_th,
            "latitude": request.latitude, "longitude": request.longitude,
            "needed_by": request.needed_by.isoformat() if request.needed_by else None,
            "purpose": request.purpose, "lines": lines}
