"""Requests through their life: pledge (stock reserved) → dispatch → received, partial
states, cancel releasing reservations; the requester told of each change and every change
in the audit trail. Many simultaneous pledges never take more than the stock holds, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bot.kernel import notify
from bot.kernel.db import session_factory
from skills.disaster import demo, lifecycle, search
from skills.disaster.lifecycle import Line, RequestError
from skills.disaster.models import AuditEntry, Item, Organisation, Site, Stock
from tests.app.disaster_helpers import database

SENDER = "web:disaster-requester"


@pytest.fixture()
def factory(tmp_path):
    factory = database(tmp_path)[1]
    with factory.begin() as session:
        demo.seed_demo(session)
    return factory


def _org(session, code: str) -> Organisation:
    return session.scalars(select(Organisation).where(Organisation.code == code)).one()


def _stock(session, org_code: str, item: str) -> Stock:
    return session.scalars(select(Stock).join(Site, Site.id == Stock.site_id)
                           .join(Item, Item.id == Stock.item_id)
                           .where(Site.source_agency == org_code, Item.code == item)).first()


def _request(session, **lines) -> int:
    request = lifecycle.create_request(
        session, lines=[Line(item, qty, unit) for item, (qty, unit) in lines.items()],
        requester_org=_org(session, "DEMO-OTOS-WARIN"), requester_name="นายก อบต. (สมมติ)",
        notify_to=SENDER, priority=1, place_th="บ้านท่าบ่อ ตำบลแสนสุข", lat=15.19, lon=104.86)
    return request.id


def _messages(session) -> list[str]:
    return [n.text for n in notify.pending(session, SENDER)]


def test_request_to_received_with_partial_states_notifications_and_audit(factory):
    with factory.begin() as session:
        rid = _request(session, sandbag=(20, "มัด"), water_600ml=(50, "แพ็ค"))  # 1000 bags, 600 bottles
        request = session.get(lifecycle.Request, rid)
        assert request.status == "submitted" and request.ref == f"DR-{rid:06d}"
        bags = _stock(session, "DEMO-DDPM-UBN", "sandbag")
        water = _stock(session, "DEMO-DDPM-UBN", "water_600ml")
        ubn = _org(session, "DEMO-DDPM-UBN")
        first = lifecycle.pledge(session, request, ubn, bags.id, 10, "มัด")
        assert request.status == "partially_pledged"
        second = lifecycle.pledge(session, request, ubn, bags.id, 500)
        third = lifecycle.pledge(session, request, ubn, water.id, 600, "ขวด")
        assert request.status == "pledged"
        session.refresh(bags)
        assert bags.reserved == 1000 and bags.available == 3000 - 1000
        lifecycle.dispatch(session, first.id, ubn)
        assert request.status == "partially_dispatched"
        session.refresh(bags)
        assert bags.quantity == 2500 and bags.reserved == 500  # 500 left the warehouse
        lifecycle.dispatch(session, second.id, ubn)
        lifecycle.dispatch(session, third.id, ubn)
        assert request.status == "dispatched"
        lifecycle.receive(session, first.id)
        assert request.status == "partially_received"
        lifecycle.receive(session, second.id)
        lifecycle.receive(session, third.id)
        lifecycle.receive(session, third.id)  # said twice: nothing counted twice
        assert request.status == "received"
        view = lifecycle.view(session, request)
        assert [(line["item"], line["received"]) for line in view["lines"]] == [
            ("sandbag", 1000), ("water_600ml", 600)]
        said = _messages(session)
        assert said[0].startswith(f"คำขอ {request.ref} บันทึกแล้ว")
        assert any("รับปากให้กระสอบทราย 500 ใบ" in t for t in said)
        assert any("ส่งน้ำดื่มขวด 600 มล. 600 ขวด ออกมาแล้ว" in t for t in said)
        assert said[-1].endswith("(สถานะ: ได้รับของครบแล้ว)")
        assert len(said) == 1 + 3 + 3 + 3  # created, three of each step, no repeat
        trail = [(a.action, a.entity) for a in session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]
        assert trail[0] == ("create", "request")
        assert trail.count(("pledge", "request")) == 3
        assert trail.count(("dispatched", "pledge")) == 3 and trail.count(("received", "pledge")) == 3


def test_cancel_releases_reservations_and_refusals_change_nothing(factory):
    with factory.begin() as session:
        rid = _request(session, sandbag=(2000, "ใบ"))
        request = session.get(lifecycle.Request, rid)
        bags = _stock(session, "DEMO-DDPM-UBN", "sandbag")
        ubn, warin = _org(session, "DEMO-DDPM-UBN"), _org(session, "DEMO-OTOS-WARIN")
        with pytest.raises(RequestError) as refused:  # someone else's stock
            lifecycle.pledge(session, request, warin, bags.id, 10)
        assert refused.value.status == 403
        with pytest.raises(RequestError) as refused:  # a unit that is not a sandbag's
            lifecycle.pledge(session, request, ubn, bags.id, 3, "ลิตร")
        assert "ใช้กับกระสอบทรายไม่ได้" in str(refused.value)
        lifecycle.pledge(session, request, ubn, bags.id, 1500)
        with pytest.raises(RequestError) as refused:  # more than is left unreserved
            lifecycle.pledge(session, request, ubn, bags.id, 1600)
        assert refused.value.status == 409
        session.refresh(bags)
        assert bags.reserved == 1500
        assert lifecycle.cancel_request(session, request) == 1
        session.refresh(bags)
        assert bags.reserved == 0 and bags.quantity == 3000 and request.status == "cancelled"
        with pytest.raises(RequestError):
            lifecycle.pledge(session, request, ubn, bags.id, 1)
        assert "ยกเลิกแล้ว คืนของที่จองไว้ 1 รายการ" in _messages(session)[-1]


def _race(factory, threads: int = 12, each: int = 300) -> tuple[int, int, int]:
    """``threads`` agencies' clerks pledge ``each`` sandbags at once from one stock of 3000
    towards a request of 10000; (pledges accepted, stock reserved, refused)."""
    with factory.begin() as session:
        rid = _request(session, sandbag=(10000, "ใบ"))
        stock_id = _stock(session, "DEMO-DDPM-UBN", "sandbag").id
    accepted, refused = [], []
    start = threading.Barrier(threads)

    def clerk():
        start.wait()
        try:
            with factory.begin() as session:
                request = session.get(lifecycle.Request, rid)
                made = lifecycle.pledge(session, request, _org(session, "DEMO-DDPM-UBN"),
                                        stock_id, each)
                accepted.append(made.id)
        except RequestError:
            refused.append(1)
    workers = [threading.Thread(target=clerk) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with factory.begin() as session:
        stock = session.get(Stock, stock_id)
        assert stock.quantity == 3000 and 0 <= stock.reserved <= stock.quantity
        request = session.get(lifecycle.Request, rid)
        assert lifecycle.view(session, request)["lines"][0]["pledged"] == stock.reserved
        lifecycle.cancel_request(session, request)
    with factory.begin() as session:
        assert session.get(Stock, stock_id).reserved == 0  # cancel gave it all back
    return len(accepted), stock.reserved, len(refused)


def test_simultaneous_pledges_never_exceed_the_stock_on_sqlite(factory):
    accepted, reserved, refused = _race(factory)
    assert accepted == 10 and reserved == 3000 and refused == 2


def test_simultaneous_pledges_never_exceed_the_stock_on_postgresql(pg_url):
    factory = session_factory(pg_url)
    with factory.begin() as session:
        demo.seed_demo(session)
    accepted, reserved, refused = _race(factory, threads=16)
    assert accepted == 10 and reserved == 3000 and refused == 6
    with factory.begin() as session:  # the searches' SQL (grouping, bounding boxes) there too
        assert search.nearest(session, "asset", "boat", 8.40, 100.10, 1)[0].available == 2
        assert search.nearest(session, "item", "sandbag", 15.2, 104.8, 1)[0].available == 3000
        assert search.nearest(session, "shelter", "shelter", 15.2, 104.86, 1)[0].available == 90
        assert [e["level"] for e in search.experts(session, "boat_operator")] == [4]
