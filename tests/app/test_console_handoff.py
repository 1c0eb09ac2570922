"""Handoff rules outside the pages: a request nobody claims in time tells the citizen once,
with the hotline; outside service hours the citizen is told the hours and the hotline."""

from __future__ import annotations

from datetime import timedelta

from actions.core import record_handoff
from bot.app.console import handoff
from bot.app.models import HandoffRequest
from bot.kernel import db, notify


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
        assert session.get(HandoffRequest, case.id).priority == 0
