"""Framework hooks the skills rely on: location/picture hand-off, web modules, outbox, settings."""

from __future__ import annotations

import json

import pytest

from bot.kernel import db, notify, registry
from bot.kernel.settings import Settings
from bot.tools import checks


def _skill(root, skill_id, order, status="ready", files=None, **extra):
    folder = root / skill_id
    folder.mkdir(parents=True)
    data = {"id": skill_id, "name_th": "ทดสอบ", "name_en": "Test", "menu_th": "ทดสอบ",
            "menu_order": order, "status": status, "entry_intent": f"{skill_id}_start",
            "intents": [f"{skill_id}_start"], "hotlines": ["191"],
            "actions": [f"action_{skill_id}_at", f"action_{skill_id}_photo"], **extra}
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    (folder / "__init__.py").write_text("", encoding="utf-8")
    for name, code in (files or {}).items():
        (folder / name).write_text(code, encoding="utf-8")
    return root


@pytest.fixture
def skills(tmp_path):
    root = tmp_path / "skills"
    _skill(root, "first", 1, location_action="action_first_at")
    _skill(root, "second", 2, location_action="action_second_at",
           image_action="action_second_photo")
    _skill(root, "plain", 3)
    _skill(root, "later", 4, status="preparing", location_action="action_later_at")
    return root


def test_a_location_goes_to_the_active_skill_when_it_takes_locations(skills):
    assert registry.location_skill("second", skills).id == "second"


def test_a_location_with_no_active_skill_goes_to_the_first_ready_taker(skills):
    assert registry.location_skill(None, skills).id == "first"


def test_a_location_during_a_skill_being_prepared_stays_with_it(skills):
    assert registry.location_skill("later", skills) is None


def test_a_location_during_a_skill_that_ignores_locations_is_not_hijacked(skills):
    assert registry.location_skill("plain", skills) is None


def test_a_picture_goes_only_to_an_active_skill_that_reads_pictures(skills):
    assert registry.image_skill("second", skills).id == "second"
    assert registry.image_skill("first", skills) is None
    assert registry.image_skill(None, skills) is None


def test_a_hand_off_action_must_be_declared(tmp_path):
    root = _skill(tmp_path / "skills", "demo", 1, location_action="action_elsewhere")
    with pytest.raises(registry.ManifestError, match="location_action"):
        registry.discover(root)


def test_only_a_skills_web_module_may_import_aiohttp(tmp_path):
    root = _skill(tmp_path / "skills", "demo", 1, files={
        "web.py": "from aiohttp import web\n",
        "service.py": "import aiohttp\n",
    })
    problems = checks.skill_import_problems(root)
    assert len(problems) == 1 and "service.py" in problems[0]


def test_outbox_keeps_one_notification_per_dedupe_key_until_delivered(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    factory = db.session_factory(url)
    for _ in range(2):  # a retried status change enqueues once
        with factory.begin() as s:
            notify.enqueue(s, "line:U1", "คำร้อง C-1 อยู่ระหว่างตรวจสอบ", kind="test",
                           dedupe_key="case:1:checking")
    with factory.begin() as s:
        notify.enqueue(s, "web:abc", "ข้อความอื่น", kind="test")
        waiting = notify.pending(s, "line:U1")
        assert [n.text for n in waiting] == ["คำร้อง C-1 อยู่ระหว่างตรวจสอบ"]
        notify.mark_failed(s, waiting[0].id, "push refused")
    with factory.begin() as s:
        still = notify.pending(s, "line:U1")
        assert len(still) == 1 and still[0].attempts == 1  # a failed push is kept
        notify.mark_delivered(s, [still[0].id])
    with factory.begin() as s:
        assert notify.pending(s, "line:U1") == []
        assert len(notify.pending(s)) == 1


def test_outbox_refuses_an_empty_message(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.upgrade(url)
    with db.session_factory(url).begin() as s, pytest.raises(ValueError):
        notify.enqueue(s, "line:U1", "   ", kind="test")


def test_without_secret_key_each_installation_keeps_its_own_random_key(tmp_path):
    one = Settings.from_env({"VAR_DIR": str(tmp_path / "a")}).secret_key
    assert one == Settings.from_env({"VAR_DIR": str(tmp_path / "a")}).secret_key
    assert one != Settings.from_env({"VAR_DIR": str(tmp_path / "b")}).secret_key
    assert Settings.from_env({"VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}).secret_key == "k" * 40
