"""What citizens are told, without the engine: shelters near a place with distance, free
places, phone and freshness; advice with its source; a help case with a number and its
status; volunteer registration only with consent, and withdrawal deleting the record. Staff
data (assets, stock, people) never appears in a citizen's reply."""

from __future__ import annotations

import asyncio
import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.base
from actions import disaster as dz_actions
from bot.kernel.settings import Settings
from bot.kernel.text import BUBBLE_MAX, visible_length
from skills.disaster import demo, search, service
from skills.disaster.catalogue import CATALOGUE
from skills.disaster.models import Asset, Competency, Person, Stock
from tests.app.disaster_helpers import database
from tests.app.said import texts

WARIN = (15.1970, 104.8600)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url, factory = database(tmp_path_factory.mktemp("disaster"))
    with factory.begin() as session:
        demo.seed_demo(session)
    return url, factory


@pytest.fixture()
def run_action(db, monkeypatch, tmp_path):
    url, _ = db
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "DATABASE_URL": url,
                                  "SECRET_KEY": "k"})
    monkeypatch.setattr(actions.base, "settings", lambda: settings)

    def run(action, text, sender="web:citizen", slots=None, entities=()):
        tracker = Tracker(sender, dict(slots or {}), {
            "text": text, "intent": {"name": "x", "confidence": 0.9},
            "entities": list(entities), "message_id": f"m-{text}"}, [], False, None, {},
            "action_listen")
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        return "\n".join(texts(dispatcher.messages)), {
            e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return run


def _staff_words(factory) -> set[str]:
    """Names of assets, stock items and people: what a citizen must never be shown."""
    with factory.begin() as session:
        words = {a.name_th for a in session.scalars(select(Asset))}
        words |= {p.name_th for p in session.scalars(select(Person)) if p.name_th}
        words |= {CATALOGUE.items[c].name_th for c in CATALOGUE.items}
    return words


def test_shelters_near_a_place_first_the_emergency_numbers_then_space_distance_phone(db):
    _, factory = db
    with factory.begin() as session:
        answers = service.shelters_near(session, *WARIN, "วารินชำราบ")
    assert answers[0] == service.emergency()  # the numbers come first, in a bubble of their own
    assert all(visible_length(a.text) <= BUBBLE_MAX for a in answers)
    text = "\n".join(a.text for a in answers)
    assert text.index("1784") < text.index("ศูนย์พักพิง") and "191" in text and "1669" in text
    first = text.splitlines()[2]
    assert first.startswith("1. ศูนย์พักพิงโรงเรียนวารินชำราบ ห่าง")
    assert "ว่าง 90 ที่ (จาก 400)" in first and "โทร" in first and "ตรวจสอบวันนี้" in first
    assert "วัดศรีประดู่" not in text  # full
    assert "สนามกีฬาจังหวัด" not in text  # closed
    assert "ข้อมูลตัวอย่างสมมติ" in text
    with factory.begin() as session:  # far from every shelter: says so, gives 1784
        far = "\n".join(a.text for a in service.shelters_near(session, 13.75, 100.5, "กรุงเทพ"))
    assert "ไม่พบศูนย์พักพิง" in far and "1784" in far


def test_the_nearest_shelter_comes_as_a_card_with_its_free_places_and_a_call_button(db):
    from bot.app.channels import render

    _, factory = db
    with factory.begin() as session:
        answers = service.shelters_near(session, *WARIN, "วารินชำราบ")
    card = answers[1].card
    assert card.title == "ศูนย์พักพิงโรงเรียนวารินชำราบ" and card.title in answers[1].text
    assert dict(card.fields)["ที่ว่าง"] == "90 จาก 400 ที่" and card.tone == "ok"
    flex = [m for m in render.line_messages(answers[1:2]) if m["type"] == "flex"]
    assert flex[0]["altText"] == answers[1].text  # the whole text, for a screen reader too


def test_advice_names_its_source_and_offers_hazards_when_none_is_named():
    answers = service.advice("น้ำเริ่มท่วมบ้าน ทำไงดี")
    assert answers[0] == service.emergency()
    assert all(visible_length(a.text) <= BUBBLE_MAX for a in answers)
    flood = "\n".join(a.text for a in answers)
    assert "ปิดสวิตช์ไฟ" in flood and "ที่มา: กรมป้องกันและบรรเทาสาธารณภัย" in flood
    choice = service.advice("ควรทำอะไรตอนนี้")[-1]
    assert [c.target.entities["disaster_hazard"] for c in choice.choices][:2] == [
        "flood", "landslide"]


def test_help_request_gets_a_case_number_and_only_its_sender_sees_the_status(run_action, db):
    reply, slots = run_action(dz_actions.ActionDisasterHelpRequest(),
                              "ขอความช่วยเหลือ น้ำท่วมบ้าน มีผู้สูงอายุ 2 คน อยู่วารินชำราบ",
                              sender="web:helpme")
    number = re.search(r"DS-\d{6}", reply).group()
    assert reply.startswith(service.texts("chat.emergency_first"))
    assert "รับเรื่องแล้ว รอเจ้าหน้าที่ประสานงาน" in reply and "แชร์ตำแหน่ง" in reply
    again, _ = run_action(dz_actions.ActionDisasterHelpRequest(),
                          "ขอความช่วยเหลือ น้ำท่วมบ้าน มีผู้สูงอายุ 2 คน อยู่วารินชำราบ",
                          sender="web:helpme")
    assert number in again  # the same message retried files nothing twice
    status, _ = run_action(dz_actions.ActionDisasterCaseStatus(), f"เช็คสถานะคำขอ {number}",
                           sender="web:helpme")
    assert number in status and "รอเจ้าหน้าที่ประสานงาน" in status
    other, _ = run_action(dz_actions.ActionDisasterCaseStatus(), f"เช็คสถานะคำขอ {number}",
                          sender="web:someone-else")
    assert "ไม่พบเรื่อง" in other
    _, factory = db
    with factory.begin() as session:
        service.set_case_status(session, number, "on_the_way", "ทีมกำลังไป")
    status, _ = run_action(dz_actions.ActionDisasterCaseStatus(), "คำขอของฉันไปถึงไหนแล้ว",
                           sender="web:helpme")
    assert "เจ้าหน้าที่กำลังเดินทางไปหา" in status and "ทีมกำลังไป" in status
    bare, slots = run_action(dz_actions.ActionDisasterHelpRequest(), "ขอความช่วยเหลือ")
    assert "เล่าสั้น ๆ" in bare and slots["expecting"] == "disaster_help"


def test_volunteer_registers_only_with_consent_and_withdrawal_deletes_the_record(run_action, db):
    _, factory = db
    sender = "web:volunteer"
    ask_, slots = run_action(dz_actions.ActionDisasterVolunteer(),
                             "สมัครอาสา ว่ายน้ำได้ ขับเรือได้ อยู่อุบลราชธานี", sender=sender)
    assert "ว่ายน้ำ" in ask_ and "ขับเรือ" in ask_ and "ยินยอมไหม" in ask_ and "1. ยินยอม" in ask_
    assert slots["expecting"] == "disaster_volunteer_consent"
    no, _ = run_action(dz_actions.ActionDisasterVolunteer(), "ไม่ยินยอม", sender=sender,
                       slots={"expecting": slots["expecting"],
                              "disaster_volunteer_offer": slots["disaster_volunteer_offer"]})
    assert "ไม่บันทึก" in no
    with factory.begin() as session:
        assert not session.scalars(select(Person).where(Person.sender_id == sender)).all()
    yes, _ = run_action(dz_actions.ActionDisasterVolunteer(), "ยินยอม", sender=sender,
                        slots={"expecting": slots["expecting"],
                               "disaster_volunteer_offer": slots["disaster_volunteer_offer"]})
    assert "บันทึกเป็นอาสาสมัครแล้ว" in yes
    with factory.begin() as session:
        person = session.scalars(select(Person).where(Person.sender_id == sender)).one()
        assert person.consent_at is not None and person.province_code == "TH34"
        skills = {c.skill for c in session.scalars(select(Competency).where(
            Competency.person_id == person.id))}
        assert skills == {"swimming", "boat_operator"}
        # staff can now find them (uncertified) by skill
        assert any(e["person_id"] == person.id for e in
                   search.experts(session, "swimming", certified=False))
    gone, _ = run_action(dz_actions.ActionDisasterVolunteerWithdraw(), "ถอนตัวอาสา",
                         sender=sender)
    assert "ลบข้อมูลอาสาสมัครของคุณ" in gone
    with factory.begin() as session:
        assert not session.scalars(select(Person).where(Person.sender_id == sender)).all()
        assert session.scalar(select(func.count()).select_from(Competency).where(
            Competency.person_id == person.id)) == 0
    none, _ = run_action(dz_actions.ActionDisasterVolunteerWithdraw(), "ถอนตัวอาสา",
                         sender=sender)
    assert "ไม่พบข้อมูลอาสาสมัคร" in none


def test_no_staff_data_in_any_citizen_reply(run_action, db):
    _, factory = db
    secret = _staff_words(factory)
    replies = [run_action(dz_actions.ActionDisasterMenu(), "ขอเรือท้องแบนหน่อย")[0],
               run_action(dz_actions.ActionDisasterShelters(), "ศูนย์พักพิงใกล้ฉัน อยู่ปากพนัง")[0],
               run_action(dz_actions.ActionDisasterShelters(), "ศูนย์พักพิง",
                          entities=[{"entity": "latitude", "value": 18.79},
                                    {"entity": "longitude", "value": 98.98}])[0],
               run_action(dz_actions.ActionDisasterAdvice(), "น้ำท่วมต้องทำยังไง")[0]]
    assert "ศูนย์พักพิงโรงเรียนปากพนัง" in replies[1] and "ศูนย์พักพิงวัดป่าแดด" in replies[2]
    assert "เฉพาะหน่วยงาน" in replies[0]
    for reply in replies:
        leaked = {w for w in secret if w and w in reply}
        assert not leaked, leaked
    with factory.begin() as session:  # and the stock is there to leak, had it been shown
        assert session.scalar(select(func.count()).select_from(Stock)) > 0
