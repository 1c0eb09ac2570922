"""Disaster conversations through the web chat against the real engine, actions and app
(the web app seeded the synthetic three-province registry at start)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.kernel.db import session_factory
from skills.disaster import demo
from skills.disaster.models import Asset, Person
from tests.system.conftest import texts

EMERGENCY = ("1784", "191", "1669")


@pytest.fixture(scope="module")
def db(stack):
    factory = session_factory(stack.env["DATABASE_URL"])
    with factory.begin() as session:
        demo.seed_demo_if_empty(session)  # the web app seeded it at start; a no-op then
    return factory


def _staff_words(db) -> set[str]:
    with db.begin() as session:
        return ({a.name_th for a in session.scalars(select(Asset))}
                | {p.name_th for p in session.scalars(select(Person)) if p.name_th})


def _emergency_first(reply: str) -> None:
    first = reply.splitlines()[0]
    assert all(n in first for n in EMERGENCY), first


def test_shelter_near_a_named_place_and_near_a_shared_location(chat, db):
    reply = texts(chat.say("ศูนย์พักพิงใกล้ฉัน อยู่วารินชำราบ"))
    _emergency_first(reply)
    assert "ศูนย์พักพิงโรงเรียนวารินชำราบ" in reply and "กิโลเมตร" in reply
    assert "ว่าง 90 ที่" in reply and "โทร 1784" in reply and "ข้อมูลตัวอย่างสมมติ" in reply
    assert "ศูนย์พักพิงวัดศรีประดู่" not in reply  # full
    reply = texts(chat.say("ศูนย์อพยพใกล้ที่สุด"))
    assert "แชร์ตำแหน่ง" in reply
    reply = texts(chat.share_location(8.35, 100.19))  # Pak Phanang
    assert "ศูนย์พักพิงโรงเรียนปากพนัง" in reply and "ว่าง 20 ที่" in reply


def test_help_request_gets_a_case_number_then_its_status(chat, db):
    reply = texts(chat.say("ขอความช่วยเหลือ น้ำท่วมบ้าน มีผู้สูงอายุ 2 คน อยู่ปากพนัง"))
    _emergency_first(reply)
    number = re.search(r"DS-\d{6}", reply).group()
    assert "รับเรื่องแล้ว" in reply
    reply = texts(chat.share_location(8.36, 100.2))
    assert f"แนบตำแหน่งไปกับเรื่อง {number} แล้ว" in reply
    reply = texts(chat.say(f"เช็คสถานะคำขอ {number}"))
    assert number in reply and "รอเจ้าหน้าที่ประสานงาน" in reply


def test_volunteer_registers_with_consent_and_withdraws(chat, db):
    reply = texts(chat.say("สมัครเป็นอาสาสมัคร ว่ายน้ำได้ ขับเรือได้ อยู่อุบลราชธานี"))
    assert "ยินยอมไหม" in reply and "ว่ายน้ำ" in reply and "1. ยินยอม" in reply
    reply = texts(chat.say("1"))
    assert "บันทึกเป็นอาสาสมัครแล้ว" in reply
    with db.begin() as session:
        assert session.scalars(select(Person).where(
            Person.sender_id == f"web:{chat.sender}")).one().consent_at is not None
    reply = texts(chat.say("ถอนตัวอาสา"))
    assert "ลบข้อมูลอาสาสมัครของคุณ" in reply
    with db.begin() as session:
        assert not session.scalars(select(Person).where(
            Person.sender_id == f"web:{chat.sender}")).all()


def test_staff_only_data_never_reaches_a_citizen(chat, db):
    secret = _staff_words(db)
    said = []
    for text in ("ขอเรือท้องแบนหน่อย น้ำท่วมหมู่บ้าน", "หน่วยงานไหนมีเครื่องสูบน้ำบ้าง",
                 "ศูนย์พักพิงแถวเมืองเชียงใหม่", "น้ำท่วมต้องทำยังไง"):
        said.append(texts(chat.say(text)))
    joined = "\n".join(said)
    assert not {w for w in secret if w in joined}
    assert "เฉพาะหน่วยงาน" in said[0]
    assert "ศูนย์พักพิงวัดป่าแดด" in said[2] and "ปิดสวิตช์ไฟ" in said[3]
