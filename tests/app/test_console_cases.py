"""The console's work beyond one conversation: transfers to another operator and to an agency,
every service's case numbers as the citizen was told them, status changes and drafts done
from the queues (the citizen or the subscribers told), and the supervisor's SLA figures."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from actions.core import record_handoff
from bot.app.console import auth, handoff
from bot.app.console.models import StaffAudit
from bot.app.models import HandoffRequest
from bot.app.web.app import create_app
from bot.kernel import db, notify
from bot.kernel.settings import Settings
from skills.disaster import service as disaster
from skills.motortaxi import service as motortaxi
from skills.police import warnings
from skills.signtax import service as signtax
from skills.signtax.tax import Sign
from tests.app.test_console_security import (
    PASSWORD,
    audit_actions,
    console_settings,
    login,
    page_csrf,
)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return console_settings(tmp_path)


def add_user(settings, name: str, role: str, services: list[str]) -> None:
    with db.session_factory(settings.database_url).begin() as session:
        auth.create_user(session, name, PASSWORD, role, f"คุณ{name}", services)


def told(settings, sender: str) -> list[str]:
    with db.session_factory(settings.database_url)() as session:
        return [n.text for n in notify.pending(session, sender)]


async def post(client: TestClient, path: str, page: str = "/console/cases", **data):
    token = await page_csrf(client, page)
    return await client.post(path, data={"csrf": token, **data}, allow_redirects=False)


@pytest.mark.asyncio
async def test_transfer_to_another_operator_then_to_an_agency(settings):
    add_user(settings, "cop", "agency", ["police"])
    record_handoff(settings.database_url, "line:U1", "วินเก็บเงินเกิน", "line",
                   service="motortaxi")
    app = create_app(settings)
    async with TestClient(TestServer(app)) as op1, TestClient(TestServer(app)) as op2, \
            TestClient(TestServer(app)) as taxi, TestClient(TestServer(app)) as cop:
        for client, name in ((op1, "op1"), (op2, "op2"), (taxi, "taxi"), (cop, "cop")):
            assert (await login(client, name)).status == 303
        page = "/console/handoff/1"
        assert "วินมอเตอร์ไซค์รับจ้าง" in await (await op1.get("/console/")).text()
        assert (await post(op1, f"{page}/claim", page)).status == 303
        assert (await post(op1, f"{page}/transfer", page, to="op2")).status == 303
        # op1 holds it no more; op2 does
        assert (await post(op1, f"{page}/reply", page, text="ยังอยู่ไหม")).status == 409
        assert (await post(op2, f"{page}/transfer", page, agency="nosuch")).status == 400
        assert (await post(op2, f"{page}/transfer", page, agency="motortaxi")).status == 303
        # the motorcycle-taxi agency's staff see it, claim it and answer; the police's do not
        assert "H-000001" in await (await taxi.get("/console/")).text()
        assert "H-000001" not in await (await cop.get("/console/")).text()
        assert (await cop.get(page)).status == 403
        assert (await post(cop, f"{page}/claim", "/console/")).status == 403
        assert (await post(taxi, f"{page}/claim", page)).status == 303
        assert (await post(taxi, f"{page}/reply", page, text="กรมการขนส่งรับเรื่องแล้วค่ะ")
                ).status == 303
        transcript = await (await taxi.get(page)).text()
        assert "โอนเรื่องให้เจ้าหน้าที่ คุณop2 แล้ว" in transcript
    said = told(settings, "line:U1")
    assert any("ส่งต่อเรื่องของท่านให้หน่วยงานที่ดูแลเรื่องวินมอเตอร์ไซค์รับจ้างแล้ว" in t
               for t in said)
    assert "เจ้าหน้าที่: กรมการขนส่งรับเรื่องแล้วค่ะ" in said
    audited = [(u, a, t) for u, a, t in audit_actions(settings) if a == "transfer"]
    assert audited == [("op1", "transfer", "H-000001"), ("op2", "transfer", "H-000001")]
    with db.session_factory(settings.database_url)() as session:
        case = session.get(HandoffRequest, 1)
        details = [a.detail for a in session.scalars(select(StaffAudit).where(
            StaffAudit.action == "transfer"))]
    assert case.agency == "motortaxi" and case.service == "motortaxi"
    assert details == ["user:op2", "agency:motortaxi"]


@pytest.mark.asyncio
async def test_the_queues_show_the_number_the_citizen_was_told(settings):
    factory = db.session_factory(settings.database_url)
    with factory.begin() as session:
        complaint = motortaxi.file_complaint(session, "line:U2", "overcharge", "เก็บ 100 บาท")
        help_case = disaster.file_help(session, "line:U2", "น้ำท่วมบ้าน ต้องการเรือ",
                                       place_th="บางบัวทอง")
        numbers = [complaint.case_number, help_case.case_number]
    bill = signtax.file_return(factory, sender_id="web:shop", business_name="ร้านทดสอบ",
                               district_code="1004", district_th="บางรัก",
                               signs=[Sign(200, 300, "1", moving=False)], today=date(2026, 3, 5))
    status, _ = signtax.record_confirmation(factory, {
        "transaction_id": "TXHELD1", "bill_number": bill.bill_number, "amount": "1.00",
        "paid_at": "2026-03-06T09:00:00+07:00"})
    assert status == 202  # a wrong amount is held for review
    assert numbers[0].startswith("MT-") and numbers[1].startswith("DS-")
    assert bill.bill_number.startswith("ST26")
    async with TestClient(TestServer(create_app(settings))) as client:
        await login(client, "boss")
        html = await (await client.get("/console/cases")).text()
    for number in (*numbers, bill.bill_number, "TXHELD1"):
        assert f'<th scope="row">{number}</th>' in html, number
    assert "การชำระภาษีป้ายที่พักไว้ตรวจสอบ" in html
    assert "DH-" not in html and "ST-0" not in html


@pytest.mark.asyncio
async def test_a_complaint_status_changed_in_the_console_reaches_the_citizen(settings):
    add_user(settings, "cop", "agency", ["police"])
    with db.session_factory(settings.database_url).begin() as session:
        case = motortaxi.file_complaint(session, "line:U3", "overcharge", "เก็บ 100 บาท")
        number, case_id = case.case_number, str(case.id)
    path = "/console/cases/motortaxi_complaints/status"
    async with TestClient(TestServer(create_app(settings))) as cop:
        await login(cop, "cop")
        refused = await post(cop, path, case=case_id, status="investigating")
        assert refused.status == 403 and "ไม่มีสิทธิ์" in await refused.text()
    async with TestClient(TestServer(create_app(settings))) as taxi:
        await login(taxi, "taxi")
        html = await (await taxi.get("/console/cases")).text()
        assert f"สถานะใหม่<span class=\"visually-hidden\"> ของ {number}" in html
        assert (await post(taxi, path, case=case_id, status="nosuch")).status == 400
        forged = await taxi.post(path, data={"case": case_id, "status": "closed"},
                                 allow_redirects=False)
        assert forged.status == 403 and "แบบฟอร์มหมดอายุ" in await forged.text()
        done = await post(taxi, path, case=case_id, status="investigating",
                          note="นัดตรวจสอบที่วินวันจันทร์")
        assert done.status == 303
        again = await post(taxi, path, case=case_id, status="investigating",
                           note="นัดตรวจสอบที่วินวันจันทร์")
        assert again.status == 409 and "อยู่แล้ว" in await again.text()
        assert "investigating" in await (await taxi.get("/console/cases")).text()
    said = told(settings, "line:U3")
    assert len(said) == 1 and number in said[0] and "เจ้าหน้าที่กำลังตรวจสอบ" in said[0]
    assert "นัดตรวจสอบที่วินวันจันทร์" in said[0]
    assert ("taxi", "case_status", number) in audit_actions(settings)


@pytest.mark.asyncio
async def test_police_staff_draft_a_warning_and_publish_it_from_the_console(settings):
    add_user(settings, "cop", "agency", ["police"])
    factory = db.session_factory(settings.database_url)
    with factory.begin() as session:
        warnings.subscribe(session, "line:U4", warnings.district_named("ปทุมวัน"))
    words = "ระวังมิจฉาชีพหลอกขายบัตรคอนเสิร์ตหน้าห้าง"
    async with TestClient(TestServer(create_app(settings))) as taxi:
        await login(taxi, "taxi")
        assert "ร่างประกาศ" not in await (await taxi.get("/console/cases")).text()
        assert (await post(taxi, "/console/cases/police_warnings/draft", district="ปทุมวัน",
                           text=words, issued_by="สน.ปทุมวัน")).status == 403
    async with TestClient(TestServer(create_app(settings))) as cop:
        await login(cop, "cop")
        bad = await post(cop, "/console/cases/police_warnings/draft", district="ไม่มีเขตนี้",
                         text=words, issued_by="สน.ปทุมวัน")
        assert bad.status == 400 and "ไม่พบเขตหรืออำเภอนี้" in await bad.text()
        assert (await post(cop, "/console/cases/police_warnings/draft", district="ปทุมวัน",
                           text=words, issued_by="สน.ปทุมวัน")).status == 303
        with factory() as session:  # a draft: nobody told, not in chat
            assert told(settings, "line:U4") == []
            chat = warnings.recent_message(session, warnings.district_named("ปทุมวัน")).text
            assert words not in chat
        html = await (await cop.get("/console/cases")).text()
        assert "เผยแพร่และแจ้งผู้ติดตาม<span class=\"visually-hidden\"> PW-000001" in html
        assert (await post(cop, "/console/cases/police_warnings/publish", case="1")
                ).status == 303
        again = await post(cop, "/console/cases/police_warnings/publish", case="1")
        assert again.status == 409 and "เผยแพร่แล้ว" in await again.text()
    said = told(settings, "line:U4")
    assert len(said) == 1 and words in said[0] and "191" in said[0]
    with factory() as session:
        assert words in warnings.recent_message(session,
                                                warnings.district_named("ปทุมวัน")).text
    audited = [(u, a, t) for u, a, t in audit_actions(settings) if a.startswith("case_")]
    assert audited == [("cop", "case_draft", "police_warnings"),
                       ("cop", "case_publish", "PW-000001")]


@pytest.mark.asyncio
async def test_supervisor_sees_reply_time_breaches_and_cases_per_service_per_day(settings):
    url = settings.database_url
    record_handoff(url, "line:U5", "วินเก็บเงินเกิน", "line", service="motortaxi")
    with db.session_factory(url).begin() as session:  # asked 20 minutes ago, no answer yet
        session.execute(update(HandoffRequest).values(
            created_at=db.utcnow() - timedelta(minutes=20)))
        motortaxi.file_complaint(session, "line:U5", "overcharge", "เก็บ 100 บาท")
    async with TestClient(TestServer(create_app(settings))) as boss:
        await login(boss, "boss")
        html = await (await boss.get("/console/supervisor")).text()
        handoffs = await (await boss.get("/console/supervisor.csv")).text()
        days = await (await boss.get("/console/supervisor-days.csv")).text()
    sla = html[html.index('id="sla"'):html.index('id="days"')]
    assert "H-000001" in sla and "วินมอเตอร์ไซค์รับจ้าง" in sla
    per_day = html[html.index('id="days"'):]
    assert "ขอคุยกับเจ้าหน้าที่: วินมอเตอร์ไซค์รับจ้าง" in per_day
    assert "เรื่องร้องเรียนวินมอเตอร์ไซค์" in per_day
    row = next(csv.DictReader(io.StringIO(handoffs)))
    assert row["case"] == "H-000001" and row["service"] == "motortaxi"
    assert row["first_reply_minutes"] == "" and row["sla_breaches"] == "1"
    today = db.utcnow().astimezone(handoff.BANGKOK).date().isoformat()
    assert {(r["day"], r["service"], r["cases"]) for r in csv.DictReader(io.StringIO(days))} \
        >= {(today, "เรื่องร้องเรียนวินมอเตอร์ไซค์", "1")}
    assert [t for _, a, t in audit_actions(settings) if a == "export_csv"] == [
        "handoffs.csv", "cases-per-day.csv"]


def test_queues_and_cases_per_day_on_postgresql(pg_url):
    from bot.app.console import queues

    record_handoff(pg_url, "line:U6", "ขอคุยกับเจ้าหน้าที่", "line", service="police")
    with db.session_factory(pg_url).begin() as session:
        number = motortaxi.file_complaint(session, "line:U6", "overcharge", "เก็บ 100 บาท"
                                          ).case_number
        warning = warnings.draft_warning(session, warnings.district_named("ปทุมวัน"),
                                         "ระวังมิจฉาชีพหลอกขายบัตรหน้าห้าง", "สน.ปทุมวัน")
    with db.session_factory(pg_url).begin() as session:
        assert warnings.publish(session, warning.id) == 0
        assert warnings.publish(session, warning.id) is None
    engine = db.engine_for(pg_url)
    found = {listing.queue.table: listing for listing in queues.listings(engine, ["motortaxi"])}
    assert list(found) == ["motortaxi_complaints"]
    assert [r.number for r in found["motortaxi_complaints"].rows] == [number]
    today = db.utcnow().astimezone(handoff.BANGKOK).date().isoformat()
    counts = queues.per_day(engine, HandoffRequest.__table__)
    assert (today, "ขอคุยกับเจ้าหน้าที่: ตำรวจ", 1) in counts
    assert (today, "เรื่องร้องเรียนวินมอเตอร์ไซค์", 1) in counts
    assert (today, "ประกาศเตือนภัยของตำรวจ", 1) in counts


def test_cases_per_day_are_thailand_days(settings):
    """A request at 23:30 UTC is 06:30 the next morning in Bangkok: it counts on that day."""
    from datetime import datetime, timezone

    from bot.app.console import queues

    url = settings.database_url
    record_handoff(url, "line:U7", "ขอคุยกับเจ้าหน้าที่", "line", service="police")
    late = datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)
    with db.session_factory(url).begin() as session:
        session.execute(update(HandoffRequest).values(created_at=late))
    counts = queues.per_day(db.engine_for(url), HandoffRequest.__table__,
                            today=date(2026, 12, 2))
    assert counts == [("2026-12-02", "ขอคุยกับเจ้าหน้าที่: ตำรวจ", 1)]
