"""``make validate`` fails, naming the file and the name, when a skill disagrees with its
manifest (``bot.tools.skillcheck``, run by ``bot.tools.checks``).

Each test works on a temporary copy of the project's skill-related files (manifests, training
data and domain, actions, requirements, the kernel's hotlines), breaks one thing in the
police or motortaxi skill, and reads the reason a contributor would read.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from bot.tools import checks, skillcheck

ROOT = checks.ROOT
COPIED = ("domain.yml", "nlu_data", "actions", "requirements/app.in",
          "bot/kernel/data/hotlines.yml")


@pytest.fixture
def project(tmp_path) -> Path:
    """The skill-related files of the project, copied: they agree with one another."""
    for rel in COPIED:
        src, dst = ROOT / rel, tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    for manifest in (ROOT / "skills").glob("*/manifest.json"):
        (tmp_path / "skills" / manifest.parent.name).mkdir(parents=True)
        shutil.copy2(manifest, tmp_path / "skills" / manifest.parent.name / "manifest.json")
    assert skillcheck.problems(tmp_path) == []
    return tmp_path


def edit_manifest(project: Path, skill: str, **changes) -> None:
    path = project / "skills" / skill / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, change in changes.items():
        data[key] = change(data.get(key)) if callable(change) else change
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def reasons(project: Path) -> str:
    return "\n".join(skillcheck.problems(project))


def test_the_project_agrees_with_its_manifests():
    assert skillcheck.problems() == []


# (skill, manifest field, its new value or a change of it, a reason make validate gives)
MANIFEST_CASES = {
    "an intent missing from the fragment": (
        "police", "intents", lambda v: [*v, "police_lost_property"],
        "skills/police/manifest.json: intent 'police_lost_property' is not in "
        "nlu_data/police/domain.yml"),
    "an intent without examples": (
        "police", "intents", lambda v: [*v, "police_lost_property"],
        "skills/police/manifest.json: intent 'police_lost_property' has no training examples "
        "in nlu_data/police/"),
    "a response no domain defines": (
        "motortaxi", "responses", lambda v: [*v, "utter_motortaxi_helmet"],
        "skills/motortaxi/manifest.json: response 'utter_motortaxi_helmet' is not defined in "
        "any domain file"),
    "a requirement not in requirements/app.in": (
        "signtax", "requirements", lambda v: [*v, "leftpad"],
        "skills/signtax/manifest.json: requirement 'leftpad' is not in requirements/app.in"),
    "a hotline described nowhere": (
        "forest", "hotlines", ["1362", "1390"],
        "skills/forest/manifest.json: hotline '1390' is not in bot/kernel/data/hotlines.yml"),
    "a shared hotline described again": (
        "forest", "hotlines", [{"number": "1362", "name_th": "ไฟป่า", "spoken": "หนึ่ง สาม หก สอง",
                                "source": "https://www.dnp.go.th", "checked": "2026-12-01"}],
        "skills/forest/manifest.json: hotline '1362' is in bot/kernel/data/hotlines.yml already"),
}


@pytest.mark.parametrize("case", MANIFEST_CASES)
def test_a_manifest_that_disagrees_is_named_with_its_file(project, case):
    skill, field, change, reason = MANIFEST_CASES[case]
    edit_manifest(project, skill, **{field: change})
    assert reason in reasons(project)


@pytest.mark.parametrize("kind, added", [
    ("intents", ["police_lost_property"]),
    ("actions", ["action_police_lost_property"]),
    ("responses", {"utter_police_lost_property": [{"text": "แจ้งของหายที่โรงพักใกล้บ้าน"}]}),
    ("slots", {"police_lost_property": {"type": "text", "mappings": [{"type": "custom"}]}}),
    ("entities", ["police_lost_property"]),
])
def test_a_fragment_name_missing_from_the_manifest(project, kind, added):
    def add(domain):
        if isinstance(added, dict):
            domain.setdefault(kind, {}).update(added)
        else:
            domain.setdefault(kind, []).extend(added)

    edit_yaml(project / "nlu_data" / "police" / "domain.yml", add)
    assert (f"nlu_data/police/domain.yml: {kind[:-1]} {next(iter(added))!r} is not in "
            "skills/police/manifest.json") in reasons(project)


def test_training_examples_of_an_undeclared_intent(project):
    edit_yaml(project / "nlu_data" / "police" / "nlu.yml", lambda d: d["nlu"].append(
        {"intent": "police_lost_property", "examples": "- ของหายแจ้งที่ไหน\n"}))
    assert ("nlu_data/police/nlu.yml: intent 'police_lost_property' is not in "
            "skills/police/manifest.json") in reasons(project)


def test_an_action_class_whose_name_is_not_in_the_manifest(project):
    path = project / "actions" / "police.py"
    path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent("""

        class ActionPoliceLostProperty:
            def name(self):
                return "action_police_lost_property"
    """), encoding="utf-8")
    line = len(path.read_text(encoding="utf-8").splitlines())
    assert (f"actions/police.py:{line}: action 'action_police_lost_property' is not in "
            "skills/police/manifest.json") in reasons(project)


def test_a_manifest_action_no_class_defines(project):
    edit_manifest(project, "police", actions=lambda v: [*v, "action_police_lost_property"])
    found = "\n".join(checks.action_name_problems(project / "actions", project / "skills"))
    assert ("skills/police/manifest.json: action 'action_police_lost_property' is not "
            "defined by any action class in actions/") in found
    assert ("skills/police/manifest.json: action 'action_police_lost_property' is not in "
            "nlu_data/police/domain.yml") in reasons(project)


@pytest.mark.parametrize("kind, name", [("response", "utter_police_lost_property"),
                                        ("action", "action_police_lost_property")])
def test_a_rule_running_what_no_domain_declares(project, kind, name):
    edit_yaml(project / "nlu_data" / "police" / "rules.yml", lambda d: d["rules"].append(
        {"rule": "lost property", "steps": [{"intent": "police_legal_info"},
                                            {"action": name}]}))
    assert (f"nlu_data/police/rules.yml: rule 'lost property' runs {kind} {name!r}, "
            "which no domain file declares") in reasons(project)


def test_a_response_an_action_sends_that_no_domain_defines(project):
    path = project / "actions" / "motortaxi.py"
    path.write_text(path.read_text(encoding="utf-8")
                    + '\nRESPONSE = "utter_motortaxi_helmet"\n', encoding="utf-8")
    line = len(path.read_text(encoding="utf-8").splitlines())
    assert (f"motortaxi.py:{line}: response 'utter_motortaxi_helmet' is not in the domain"
            in checks.response_problems(project / "actions", project))


def test_requirements_are_compared_as_distributions(project):
    edit_manifest(project, "signtax", requirements=lambda v: [*v, "pyyaml", "Zxing_Cpp>=3"])
    assert "requirement" not in reasons(project)


def test_a_rule_running_a_skill_action_its_manifest_does_not_list(project):
    edit_manifest(project, "motortaxi", actions=lambda v: [
        a for a in v if a != "action_motortaxi_fare"])
    found = reasons(project)
    assert ("nlu_data/motortaxi/rules.yml: rule 'legal maximum fare' runs action "
            "'action_motortaxi_fare', which is not in skills/motortaxi/manifest.json") in found
    assert ("actions/motortaxi.py" in found and "action 'action_motortaxi_fare' is not in "
            "skills/motortaxi/manifest.json" in found)


def test_a_broken_manifest_is_reported_not_raised(project):
    edit_manifest(project, "access", entry_intent="access_elsewhere")
    found = reasons(project)
    assert "skills/access/manifest.json" in found and "entry_intent" in found


def test_the_checks_command_fails_with_the_reasons(project, capsys, monkeypatch):
    edit_manifest(project, "signtax", requirements=lambda v: [*v, "leftpad"])
    for other in ("skill_import_problems", "layer_problems", "action_name_problems",
                  "response_problems", "text_key_problems"):
        monkeypatch.setattr(checks, other, lambda: [])
    monkeypatch.setattr(checks, "skill_manifest_problems", lambda: skillcheck.problems(project))
    assert checks.main() == 1
    assert "requirement 'leftpad' is not in requirements/app.in" in capsys.readouterr().out


def test_a_queue_must_show_the_number_the_citizen_is_told():
    """The console shows a case with the prefix its model gives citizens: a manifest that says
    otherwise, or a model with citizen case numbers and no queue, fails the checks."""
    import dataclasses

    from bot.kernel import registry

    disaster = registry.get("disaster")
    assert skillcheck.queue_problems(disaster, ROOT) == []
    wrong = dataclasses.replace(disaster, queues=tuple(
        dataclasses.replace(q, prefix="DH") if q.table == "disaster_help_cases" else q
        for q in disaster.queues))
    assert skillcheck.queue_problems(wrong, ROOT) == [
        "skills/disaster/manifest.json: queue 'disaster_help_cases' has prefix 'DH' but "
        "HelpCase.CASE_PREFIX is 'DS'"]
    missing = dataclasses.replace(disaster, queues=disaster.queues[1:])
    assert "HelpCase gives citizens case numbers (DS-…) but no queue names " \
        "'disaster_help_cases'" in "\n".join(skillcheck.queue_problems(missing, ROOT))
    signtax = registry.get("signtax")
    typo = dataclasses.replace(signtax, queues=(
        dataclasses.replace(signtax.queues[0], number="bill_no"),))
    assert "names column 'bill_no', which the table lacks" in \
        "\n".join(skillcheck.queue_problems(typo, ROOT))
