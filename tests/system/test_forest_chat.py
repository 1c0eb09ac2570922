"""Forest conversations through the web chat against the real engine, actions and app: the
state of the forest near a shared location, subscribing to an area and getting a new alarm
pushed, unsubscribing, and reporting a fire (whom to call first, then a case)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
import requests
from sqlalchemy import select

from bot.kernel import notify
from bot.kernel.db import session_factory
from skills.forest import pilot
from skills.forest.models import FireReport, Subscription
from tests.system.conftest import texts


@pytest.fixture(scope="module")
def db(stack):
    return session_factory(stack.env["DATABASE_URL"])


def test_status_near_a_shared_location(chat):
    reply = texts(chat.say("ป่าแถวนี้เป็นยังไง"))
    assert "ส่งตำแหน่ง" in reply
    reply = texts(chat.share_location(18.85, 98.90))
    assert "สภาพป่าแถว" in reply and "ความเสี่ยงไฟป่า" in reply or "สถานีตรวจวัด" in reply
    assert "กรมอุทยานแห่งชาติ" in reply and "1362" in reply
    assert "1. ดูกราฟ" in reply


def test_subscribe_get_a_pushed_alarm_then_unsubscribe(chat, db, stack):
    chat.share_location(18.86, 98.91)
    reply = texts(chat.say("รับแจ้งเตือนไฟป่าแถวนี้"))
    assert "รับแจ้งเตือนแล้ว" in reply and "10 กิโลเมตร" in reply
    with db.begin() as s:
        assert s.scalars(select(Subscription).where(
            Subscription.sender_id == f"web:{chat.sender}")).first() is not None
        _thing, streams, secret = pilot.register(
            s, pilot.Station(f"SYS-{chat.sender[:6]}", 18.861, 98.911, 900, ("flame",)),
            source="test")
    # a flame reading arrives through the device API
    url = (f"http://127.0.0.1:{stack.app_port}/api/forest/v1.1/Datastreams({streams['flame']})"
           f"/Observations")
    r = requests.post(url, json={"phenomenonTime": datetime.now(timezone.utc).isoformat(),
                                 "result": 1}, headers={"Authorization": f"Bearer {secret}"},
                      timeout=10)
    assert r.status_code == 201, r.text
    with db.begin() as s:
        notes = [n.text for n in notify.pending(s, f"web:{chat.sender}")]
    assert any("เปลวไฟ" in n and "1362" in n for n in notes)
    reply = texts(chat.say("ยกเลิกแจ้งเตือนไฟป่า"))
    assert "ยกเลิกการแจ้งเตือนไฟป่าแล้ว" in reply


def test_report_a_fire_gets_the_numbers_first_then_a_case(chat, db):
    first = chat.say("ขอแจ้งเหตุไฟป่าค่ะ")
    assert "199" in first[0]["text"]
    reply = texts(chat.share_location(18.80, 98.79))
    assert "FF-" in reply and "กรมป่าไม้" in reply and "1310" in reply
    for _ in range(20):
        with db.begin() as s:
            report = s.scalars(select(FireReport).where(
                FireReport.sender_id == f"web:{chat.sender}")).first()
        if report is not None:
            break
        time.sleep(0.1)
    assert report is not None and report.agency == "RFD"
