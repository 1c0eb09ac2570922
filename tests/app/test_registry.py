"""Skill registry and the plugin rules (imports, action names)."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest
import yaml

from bot.kernel import registry
from bot.tools import checks

# The installed skills: every folder under skills/ with a manifest (a new skill needs no edit here).
SKILL_IDS = sorted(p.parent.name for p in registry.SKILLS_DIR.glob("*/manifest.json"))


def test_every_installed_skill_is_discovered_in_menu_order():
    skills = registry.discover()
    assert sorted(m.id for m in skills) == SKILL_IDS
    assert [m.menu_order for m in skills] == sorted({m.menu_order for m in skills})
    assert skills[0].id == "police"  # "which station covers me?" is the first service


def test_every_skill_has_thai_title_and_a_known_hotline():
    from bot.kernel import hotlines

    for m in registry.discover():
        assert m.name_th and m.menu_th
        assert m.hotlines and all(hotlines.name(n) for n in m.hotlines)


def test_a_skills_own_hotline_is_described_in_its_manifest_not_the_kernel():
    from bot.kernel import hotlines

    motortaxi = registry.get("motortaxi")
    assert dict(motortaxi.own_hotlines)["1584"]["source"].startswith("https://")
    assert "1584" not in hotlines.shared()
    assert hotlines.describe(["1584"]).startswith("1584 (กรมการขนส่งทางบก")


def test_a_hotline_record_without_its_source_is_refused(tmp_path):
    skills = _skill(tmp_path, "demo", hotlines=[{"number": "1234", "name_th": "ทดสอบ",
                                                 "spoken": "หนึ่ง สอง สาม สี่"}])
    with pytest.raises(registry.ManifestError, match="hotline '1234' needs source, checked"):
        registry.discover(skills)


def test_two_skills_cannot_describe_the_same_number(tmp_path):
    record = {"number": "1234", "name_th": "ทดสอบ", "spoken": "หนึ่ง สอง สาม สี่",
              "source": "https://example.go.th", "checked": "2026-12-01"}
    skills = _skill(tmp_path, "demo", hotlines=[record])
    _skill(tmp_path, "other", menu_order=2, hotlines=[record])
    with pytest.raises(registry.ManifestError, match="already described by skill 'demo'"):
        registry.discover(skills)


def test_form_actions_belong_to_the_skills_forms_and_slots(tmp_path):
    skills = _skill(tmp_path, "demo", forms=["demo_form"], slots=["demo_done"],
                    actions=["validate_demo_form", "action_ask_demo_done", "validate_x_form"])
    with pytest.raises(registry.ManifestError) as caught:
        registry.discover(skills)
    assert "'validate_x_form' must start with 'action_demo_'" in str(caught.value)
    assert "validate_demo_form'" not in str(caught.value)


def test_the_help_text_counts_the_installed_services():
    from bot.tools.build import fill_build_values

    help_text = yaml.safe_load((checks.ROOT / "domain.yml").read_text(encoding="utf-8"))[
        "responses"]["utter_help"]
    filled = fill_build_values({"utter_help": help_text})["utter_help"][0]["text"]
    assert f"{len(SKILL_IDS)} บริการ" in filled and "{" not in filled


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


def test_case_number_prefixes_are_checked_and_unique(tmp_path):
    queue = {"table": "demo_cases", "title_th": "เรื่อง", "prefix": "DM", "columns": []}
    skills = _skill(tmp_path, "demo", queues=[queue])
    assert registry.read_manifests(skills)[0].queues[0].prefix == "DM"
    _skill(tmp_path, "other", menu_order=2, queues=[{**queue, "table": "other_cases"}])
    with pytest.raises(registry.ManifestError, match="prefix 'DM' is already used by skill"):
        registry.read_manifests(skills)
    bad = _skill(tmp_path / "bad", "demo", queues=[{**queue, "prefix": "H"}])
    with pytest.raises(registry.ManifestError, match="already used by the core"):
        registry.read_manifests(bad)
    both = _skill(tmp_path / "both", "demo", queues=[{**queue, "number": "bill"}])
    with pytest.raises(registry.ManifestError, match="either a case-number prefix or a number"):
        registry.read_manifests(both)
