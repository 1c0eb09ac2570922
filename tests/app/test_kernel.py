"""Shared kernel: emergency triage, hotlines, privacy masking, database migrations."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from bot.app.models import HandoffRequest
from bot.kernel import db, hotlines, privacy
from bot.kernel.emergency import triage


@pytest.mark.parametrize("text, first", [
    ("ช่วยด้วย โดนปล้นอยู่ตอนนี้", "191"),
    ("ไฟไหม้บ้านข้างๆ", "199"),
    ("มีคนหมดสติไม่หายใจ", "1669"),
    ("น้ำท่วมเข้าบ้านแล้ว ออกจากบ้านไม่ได้", "1784"),
    ("ช่วยด้วยค่ะ", "191"),
    ("ไฟไหม้ครับบบบ", "199"),
    ("Emergency!", "191"),
])
def test_triage_gives_the_matching_hotline_first(text, first):
    found = triage(text)
    assert found is not None and found.calls[0].hotline == first


def test_triage_gives_every_needed_number():
    assert [c.hotline for c in triage("รถชนกันแล้วไฟลุก").calls] == ["199", "1669"]


@pytest.mark.parametrize("text", ["สวัสดีครับ", "ภาษีป้ายเท่าไหร่", "สน.ลุมพินีอยู่ไหน"])
def test_triage_ignores_ordinary_messages(text):
    assert triage(text) is None


def test_hotline_descriptions_come_from_data():
    assert hotlines.describe(["1584"]).startswith("1584 (กรมการขนส่งทางบก")
    with pytest.raises(KeyError):
        hotlines.name("9999")


def test_emergency_numbers_need_no_skill_manifest(monkeypatch):
    """Danger-now answers name the kernel's numbers even if the skills cannot be read."""
    from bot.kernel import registry
    from bot.kernel.emergency import call_text, call_text_en

    def broken(*_args):
        raise registry.ManifestError("skills/demo/manifest.json: cannot read manifest")

    monkeypatch.setattr(registry, "skill_hotlines", broken)
    hotlines.hotlines.cache_clear()
    try:
        assert call_text("1669").startswith("โทร 1669 ทันที: เจ็บป่วยฉุกเฉิน")
        assert call_text_en("191") == "Call 191 now: police emergency"
        assert hotlines.describe(["1300"]).startswith("1300 (ศูนย์ช่วยเหลือสังคม")
    finally:
        hotlines.hotlines.cache_clear()


def test_personal_data_is_masked_in_logs(caplog):
    logger = logging.getLogger("test.privacy")
    logger.addFilter(privacy.MaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.privacy"):
        logger.info("citizen %s phone %s", "1-1017-00203-45-1", "0812345678")
    assert "1017" not in caplog.text and "2345" not in caplog.text
    assert "1-XXXX-XXXXX-45-1" in caplog.text and "678" in caplog.text


def test_migrations_create_the_schema_and_are_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    db.upgrade(url)
    assert "handoff_requests" in inspect(db.engine_for(url)).get_table_names()


def test_one_open_handoff_per_conversation(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    factory = db.session_factory(url)
    with factory.begin() as s:
        s.add(HandoffRequest(sender_id="web:abc", channel="web", context=""))
    with pytest.raises(IntegrityError), factory.begin() as s:
        s.add(HandoffRequest(sender_id="web:abc", channel="web", context=""))
    with factory.begin() as s:
        first = s.scalars(select(HandoffRequest)).one()
        first.status = "closed"
    with factory.begin() as s:  # a closed case does not block a new one
        s.add(HandoffRequest(sender_id="web:abc", channel="web", context=""))
    with factory() as s:
        assert len(s.scalars(select(HandoffRequest)).all()) == 2
