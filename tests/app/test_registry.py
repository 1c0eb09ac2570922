"""Skill registry and the plugin rules (imports, action names)."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from bot.kernel import registry
from bot.tools import checks

SKILL_IDS = ["police", "access", "motortaxi", "forest", "signtax", "disaster"]


def test_all_six_skills_are_discovered_in_menu_order():
    assert [m.id for m in registry.discover()] == SKILL_IDS


def test_every_skill_has_thai_title_and_a_known_hotline():
    from bot.kernel import hotlines

    for m in registry.discover():
        assert m.name_th and m.menu_th
        assert m.hotlines and all(n in hotlines.hotlines() for n in m.hotlines)


def test_skills_list_command_prints_them(capsys):
    assert registry.main([]) == 0
    out = capsys.readouterr().out
    for skill_id in SKILL_IDS:
        assert skill_id in out
    assert "ตำรวจ" in out


def _skill(tmp_path, skill_id, code="", **manifest):
    folder = tmp_path / "skills" / skill_id
    folder.mkdir(parents=True)
    data = {"id": skill_id, "name_th": "ทดสอบ", "name_en": "Test", "menu_th": "ทดสอบ",
            "menu_order": 1, "status": "preparing", "entry_intent": f"{skill_id}_start",
            "intents": [f"{skill_id}_start"], "actions": [], "hotlines": ["191"], **manifest}
    (folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    (folder / "__init__.py").write_text(textwrap.dedent(code), encoding="utf-8")
    return tmp_path / "skills"


def test_a_bad_manifest_is_refused_with_the_reason(tmp_path):
    skills = _skill(tmp_path, "demo", intents=["other_start"], entry_intent="other_start")
    with pytest.raises(registry.ManifestError, match="must start with 'demo_'"):
        registry.discover(skills)


def test_a_real_skill_follows_the_import_rules():
    assert checks.skill_import_problems() == []


def test_import_check_catches_rasa_channels_and_undeclared_skills(tmp_path):
    skills = _skill(tmp_path, "demo", code="""
        import json
        from rasa_sdk import Action
        import rasa.core
        from bot.app.web import chat
        from skills.other import service
        from bot.kernel import text
        import requests
        from . import helpers
    """)
    _skill(tmp_path, "other", menu_order=2)
    problems = "\n".join(checks.skill_import_problems(skills))
    assert "imports rasa_sdk" in problems
    assert "imports rasa.core" in problems
    assert "imports bot.app.web" in problems
    assert "imports skills.other" in problems
    assert "imports requests" in problems
    assert "imports json" not in problems and "bot.kernel.text" not in problems


def test_declared_dependencies_and_requirements_are_allowed(tmp_path):
    skills = _skill(tmp_path, "demo", code="from skills.other import x\nimport shapely\n",
                    dependencies=["other"], requirements=["shapely>=2"])
    _skill(tmp_path, "other", menu_order=2)
    assert checks.skill_import_problems(skills) == []


def test_action_names_are_unique():
    assert checks.action_name_problems() == []


def test_duplicate_action_names_are_caught(tmp_path):
    actions = tmp_path / "actions"
    shutil.copytree(checks.ACTIONS_DIR, actions)
    (actions / "copycat.py").write_text(textwrap.dedent("""
        class Again:
            def name(self):
                return "action_show_menu"
    """), encoding="utf-8")
    problems = checks.action_name_problems(actions)
    assert any("'action_show_menu' is defined 2 times" in p for p in problems)


def test_domain_actions_are_all_implemented():
    import yaml

    domain = yaml.safe_load((checks.ROOT / "domain.yml").read_text(encoding="utf-8"))
    defined = {name for name, _ in checks.defined_actions()}
    assert set(domain["actions"]) <= defined


def test_every_response_an_action_sends_is_in_the_domain():
    assert checks.response_problems() == []


def test_a_misspelt_response_is_caught(tmp_path):
    actions = tmp_path / "actions"
    actions.mkdir()
    (actions / "typo.py").write_text('dispatcher.utter_message(response="utter_greeet")\n',
                                     encoding="utf-8")
    assert any("utter_greeet" in p for p in checks.response_problems(actions))
