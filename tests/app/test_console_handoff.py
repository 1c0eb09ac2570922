"""Handoff rules outside the pages: a request nobody claims in time tells the citizen once,
with the hotline; outside service hours the citizen is told the hours and the hotline."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from rasa_sdk import Tracker

from actions.core import emergency_before, missed_before, record_handoff
from bot.app.channels.gateway import Parts
from bot.app.channels.inbound import Inbound
from bot.app.channels.web import WebChat
from bot.app.console import handoff
from bot.app.models import HandoffRequest
from bot.kernel import db, notify
from bot.kernel.sender import Sender
from bot.kernel.settings import Settings
from tests.app.test_channels_gateway import ScriptedEngine


def test_an_unclaimed_request_tells_the_citizen_once_with_the_hotline(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    monkeypatch.setenv("CONSOLE_CLAIM_MINUTES", "10")
    record_handoff(url, "line:U1", "ขอคุยกับเจ้าหน้าที่", "line")
    handoffs = handoff.Handoffs(db.session_factory(url))
    assert handoffs.tell_unclaimed() == 0  # not waited long enough yet
    later = db.utcnow() + timedelta(minutes=11)
    assert handoffs.tell_unclaimed(later) == 1
    assert handoffs.tell_unclaimed(later) == 0  # told once
    with db.session_factory(url)() as session:
        told = [n.text for n in notify.pending(session, "line:U1")]
    assert len(told) == 1 and "10 นาที" in told[0] and "1111" in told[0]
    assert "1669" in told[0]


def test_outside_service_hours_the_citizen_gets_the_hours_and_the_hotline(tmp_path,
                                                                          monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    record_handoff(url, "web:abcdefgh1", "ขอคุยกับเจ้าหน้าที่", "web")
    handoffs = handoff.Handoffs(db.session_factory(url))
    case = handoffs.open_case("web:abcdefgh1")
    monkeypatch.setenv("CONSOLE_HOURS", "00:00-00:01")
    monkeypatch.setattr(handoff, "in_hours", lambda: False)
    said = handoffs.started(case, "", urgent=True)
    assert "นอกเวลาทำการ" in said and "00:00-00:01" in said and "1111" in said
    monkeypatch.setattr(handoff, "in_hours", lambda: True)
    assert "ส่งเรื่องถึงเจ้าหน้าที่แล้ว" in handoffs.started(case, "", urgent=False)
    assert [c.id for c in handoffs.queue()] == [case.id]
    with db.session_factory(url)() as session:
        assert session.get(HandoffRequest, case.id).priority == 1  # urgent stays urgent


def test_the_queue_keeps_the_service_the_engine_recorded(tmp_path):
    """The engine records the service the conversation was with (``open_handoff``); the
    gateway's start of the pause must not blank it."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    record_handoff(url, "line:U2", "ภาษีป้ายเท่าไร\nขอคุยกับเจ้าหน้าที่", "line",
                   service="signtax")
    handoffs = handoff.Handoffs(db.session_factory(url))
    handoffs.started(handoffs.open_case("line:U2"), "", urgent=False)
    assert [(c.service, c.priority) for c in handoffs.queue()] == [("signtax", 0)]
    # asking again in an emergency raises the open case's priority
    record_handoff(url, "line:U2", "", "line", service="signtax", urgent=True)
    assert [(c.service, c.priority) for c in handoffs.queue()] == [("signtax", 1)]


def test_reply_times_per_conversation(tmp_path):
    """Time to the first answer and to each next one, from the transcript."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    record_handoff(url, "web:abcdefgh2", "ขอคุยกับเจ้าหน้าที่", "web")
    handoffs = handoff.Handoffs(db.session_factory(url))
    case = handoffs.open_case("web:abcdefgh2")
    start = case.created_at
    lines = [handoff.Line(handoff.OPERATOR, "ก", "สวัสดี", start + timedelta(minutes=2)),
             handoff.Line(handoff.CITIZEN, "", "ถามต่อ", start + timedelta(minutes=3)),
             handoff.Line(handoff.OPERATOR, "ก", "ตอบ", start + timedelta(minutes=11))]
    found = handoff.sla(case, lines, limit=5)
    assert (found.first, found.next, found.waiting, found.breaches) == (2.0, [8.0], None, 1)


def _said(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def _tracker(events: list[dict]) -> Tracker:
    return Tracker("web:abcdefgh3", {}, events[-1]["parse_data"], events, False, None, None,
                   "action_listen")


def test_what_opens_a_handoff_without_being_asked():
    """Two misunderstandings in a row; an emergency earlier in this session (not one from
    a session before: slots carry over, events do not)."""
    domain = {"responses": {"utter_fallback": [{"text": "ไม่เข้าใจ"}],
                            "utter_out_of_scope": [{"text": "นอกบริการ"}]}}
    missed = {"event": "bot", "text": "ไม่เข้าใจ"}
    assert missed_before(_tracker([_said("nlu_fallback"), missed, _said("nlu_fallback")]),
                         domain)
    assert not missed_before(_tracker([_said("nlu_fallback"), missed, _said("greet"),
                                       {"event": "bot", "text": "สวัสดี"},
                                       _said("nlu_fallback")]), domain)
    assert emergency_before(_tracker([_said("emergency"), _said("nlu_fallback")]))
    assert not emergency_before(_tracker([_said("emergency")]))
    assert not emergency_before(_tracker([_said("emergency"), {"event": "session_started"},
                                          _said("nlu_fallback")]))


@pytest.mark.asyncio
async def test_a_waiting_citizen_can_stop_waiting_and_the_bot_answers_again(tmp_path):
    """Paused after two misses, a citizen who types "ยกเลิก" is not left in silence: the
    request closes, the operator sees why, and the next message reaches the bot."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    settings = dataclasses.replace(
        Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 32}), database_url=url)
    parts = Parts.over(url)
    engine = ScriptedEngine()
    parts.engine.client = engine
    chat = WebChat(settings, parts)
    sender = Sender("web", "waiting01")
    record_handoff(url, sender.id, "อะไรนะ\nงง", "web")
    case_id = parts.handoffs.open_case(sender.id).id

    out = await chat.converse(sender, Inbound(text="สถานีตำรวจใกล้ฉัน"))
    assert out.paused and out.answers == [] and engine.asked == []  # silent while waiting
    out = await chat.converse(sender, Inbound(text="ยกเลิก ค่ะ"))
    assert not out.paused and "ยกเลิกคำขอคุยกับเจ้าหน้าที่แล้ว" in out.answers[0].text
    assert "191" in out.answers[0].text and engine.asked == []
    assert parts.handoffs.open_case(sender.id) is None
    said = [(line.kind, line.text) for line in parts.handoffs.transcript(case_id)]
    assert (handoff.CITIZEN, "สถานีตำรวจใกล้ฉัน") in said  # the operator saw it all
    assert said[-1] == (handoff.SYSTEM, handoff.text("withdrawn_note"))
    out = await chat.converse(sender, Inbound(text="สถานีตำรวจใกล้ฉัน"))
    assert not out.paused and [a[1] for a in engine.asked] == ["สถานีตำรวจใกล้ฉัน"]
    await chat.close()
