"""Each skill against its manifest, in the spirit of Home Assistant's hassfest.

A skill's manifest (``skills/<id>/manifest.json``) is the one place its names are written;
everything else that names them must agree, or ``make validate`` fails with the file and the
name. Checked, for every installed skill:

* its training data ``nlu_data/<id>/``: every intent of the manifest is in the fragment's
  ``domain.yml`` and has examples; the fragment's intents, actions, slots, entities, responses
  and forms are all in the manifest, and the other way round;
* its action classes (``actions/<id>.py``, and any class whose name carries the skill's
  prefix): every ``name()`` is in the manifest (``bot.tools.checks`` adds the other way:
  every action the manifest names is defined);
* every requirement is in ``requirements/app.in``, every hotline is described (the kernel's
  ``bot/kernel/data/hotlines.yml`` or the manifest itself);
* its case queues (``queues``): each table is one of the skill's models with the columns
  named, a queue's case-number prefix is its model's ``CASE_PREFIX``, and every model with a
  ``CASE_PREFIX`` (a number citizens are told) has its queue, so the console shows the
  number the citizen was told;

and across ``nlu_data/``: every rule and story step names an action, response and intent some
domain file declares (a skill's action also in that skill's manifest). Responses an action sends
(``"utter_…"`` literals) are checked by ``bot.tools.checks.response_problems``.

``python -m bot.tools.checks`` runs these with the project's other checks.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bot.kernel.registry import Manifest, ManifestError, read_manifests
from bot.tools.build import generated_responses
from bot.tools.checks import ROOT, defined_actions, distribution_name

DOMAIN_KINDS = ("intents", "entities", "slots", "responses", "actions", "forms")
# Actions Rasa defines itself: rules and stories may name them without a domain declaring them.
BUILTIN_ACTIONS = {
    "action_listen", "action_restart", "action_session_start", "action_default_fallback",
    "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
    "action_default_ask_rephrase", "action_back", "action_two_stage_fallback",
    "action_unlikely_intent", "action_extract_slots", "action_validate_slot_mappings",
}
BUILTIN_INTENTS = {"nlu_fallback", "restart", "back", "session_start", "out_of_scope"}


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        return {}
    return data if isinstance(data, dict) else {}


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _domain_of(path: Path) -> dict[str, set[str]]:
    """The names one domain file declares, by kind (``intents``, ``responses``…)."""
    data = _yaml(path)
    names: dict[str, set[str]] = {}
    for kind in DOMAIN_KINDS:
        value = data.get(kind) or ()
        # intents may be written "- name" or "- name: {use_entities: …}"
        names[kind] = {next(iter(v)) if isinstance(v, dict) else str(v) for v in value}
    return names


def domain_files(root: Path = ROOT) -> list[Path]:
    """The core domain and every fragment (the files ``bot/tools/build.py`` merges)."""
    return [root / "domain.yml", *sorted((root / "nlu_data").glob("*/domain.yml"))]


def declared(root: Path = ROOT) -> dict[str, set[str]]:
    """Every name the merged domain will declare, by kind (with the responses the build
    generates, such as ``utter_emergency_call``)."""
    merged: dict[str, set[str]] = {kind: set() for kind in DOMAIN_KINDS}
    merged["responses"] |= set(generated_responses())
    for path in domain_files(root):
        for kind, names in _domain_of(path).items():
            merged[kind] |= names
    return merged


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yml") if p.name != "domain.yml")


def example_intents(folder: Path) -> dict[str, Path]:
    """Intents with training examples in ``folder``, and the first file that has them."""
    found: dict[str, Path] = {}
    for path in _data_files(folder):
        for item in _yaml(path).get("nlu") or ():
            if isinstance(item, dict) and item.get("intent") and item.get("examples"):
                found.setdefault(item["intent"], path)
    return found


def steps(folder: Path) -> Iterator[tuple[Path, str, str, str]]:
    """``(file, rule or story name, "intent" or "action", name)`` for every step in the rules
    and stories under ``folder``, including their conditions."""
    for path in _data_files(folder):
        data = _yaml(path)
        for kind, title in (("rules", "rule"), ("stories", "story")):
            for item in data.get(kind) or ():
                name = f"{title} {item.get(title, '?')!r}"
                for step in [*(item.get("condition") or ()), *(item.get("steps") or ())]:
                    for alternative in step.get("or") or [step]:
                        for key in ("intent", "action"):
                            if alternative.get(key):
                                yield path, name, key, alternative[key]


def app_requirements(root: Path = ROOT) -> set[str]:
    """The distributions ``requirements/app.in`` asks for."""
    path = root / "requirements" / "app.in"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {distribution_name(line) for line in lines if line.strip() and not line.lstrip().startswith("#")}


def shared_hotlines(root: Path = ROOT) -> set[str]:
    """The numbers ``bot/kernel/data/hotlines.yml`` describes."""
    return {str(n) for n in _yaml(root / "bot" / "kernel" / "data" / "hotlines.yml").get("hotlines") or {}}


def _fragment_problems(m: Manifest, root: Path, known: dict[str, set[str]]) -> list[str]:
    """The skill's ``nlu_data/<id>/`` against its manifest, both ways."""
    mpath, folder = _rel(m.manifest_path, root), root / "nlu_data" / m.id
    fpath = _rel(folder / "domain.yml", root)
    if not (folder / "domain.yml").is_file():
        return [f"{mpath}: skill {m.id!r} has no domain fragment {fpath}"]
    fragment = _domain_of(folder / "domain.yml")
    examples = example_intents(folder)
    problems = []
    for intent in m.intents:
        if intent not in fragment["intents"]:
            problems.append(f"{mpath}: intent {intent!r} is not in {fpath}")
        if intent not in examples:
            problems.append(f"{mpath}: intent {intent!r} has no training examples in "
                            f"{_rel(folder, root)}/")
    for intent, path in sorted(examples.items()):
        if intent.startswith(m.id + "_") and intent not in m.intents:
            problems.append(f"{_rel(path, root)}: intent {intent!r} is not in {mpath}")
    for kind in ("intents", "actions", "slots", "entities", "responses", "forms"):
        ours, theirs, what = set(getattr(m, kind)), fragment[kind], kind[:-1]
        for name in sorted(theirs - ours):
            problems.append(f"{fpath}: {what} {name!r} is not in {mpath}")
        for name in sorted(ours - theirs):
            if kind == "intents":
                continue  # said above
            if kind == "responses" and name not in known["responses"]:
                problems.append(f"{mpath}: response {name!r} is not defined in any domain file "
                                f"(domain.yml, nlu_data/*/domain.yml)")
            else:
                problems.append(f"{mpath}: {what} {name!r} is not in {fpath}")
    return problems


def _action_class_problems(skills: tuple[Manifest, ...], root: Path) -> list[str]:
    """Action classes of a skill whose ``name()`` its manifest does not list."""
    problems = []
    by_id = {m.id: m for m in skills}
    for name, where in defined_actions(root / "actions"):
        file = where.split(":")[0]
        owner = by_id.get(Path(file).stem) or next(
            (m for m in skills if name.startswith(f"action_{m.id}_")), None)
        if owner is not None and name not in owner.actions:
            problems.append(f"actions/{where}: action {name!r} is not in "
                            f"{_rel(owner.manifest_path, root)}")
    return problems


def _facts_problems(m: Manifest, root: Path, requirements: set[str],
                    shared: set[str]) -> list[str]:
    """Requirements against ``requirements/app.in``; hotlines described somewhere."""
    mpath = _rel(m.manifest_path, root)
    problems = [f"{mpath}: requirement {r!r} is not in requirements/app.in"
                for r in m.requirements if distribution_name(r) not in requirements]
    own = {number for number, _ in m.own_hotlines}
    for number in m.hotlines:
        if number in own and number in shared:
            problems.append(f"{mpath}: hotline {number!r} is in bot/kernel/data/hotlines.yml "
                            "already: list it as a plain number")
        elif number not in own and number not in shared:
            problems.append(f"{mpath}: hotline {number!r} is not in bot/kernel/data/hotlines.yml: "
                            "describe it here ({number, name_th, spoken, source, checked})")
    return problems


def queue_problems(m: Manifest, root: Path) -> list[str]:
    """The manifest's case queues against the skill's models (``skills/<id>/models.py``)."""
    if not (root / "skills" / m.id / "models.py").exists():
        return []
    mpath = _rel(m.manifest_path, root)
    models = importlib.import_module(f"skills.{m.id}.models")
    classes = {c.__tablename__: c for c in vars(models).values()
               if isinstance(c, type) and c.__module__ == models.__name__
               and isinstance(getattr(c, "__tablename__", None), str)}
    queues = {q.table: q for q in m.queues}
    problems = []
    for q in m.queues:
        model = classes.get(q.table)
        if model is None:
            problems.append(f"{mpath}: queue table {q.table!r} is not a table of "
                            f"skills/{m.id}/models.py")
            continue
        named = [c for c, _ in q.columns] + [n for n in (q.number, q.created) if n]
        problems += [f"{mpath}: queue {q.table!r} names column {c!r}, which the table lacks"
                     for c in named if c not in model.__table__.c]
        if q.prefix != getattr(model, "CASE_PREFIX", q.prefix):
            problems.append(f"{mpath}: queue {q.table!r} has prefix {q.prefix!r} but "
                            f"{model.__name__}.CASE_PREFIX is {model.CASE_PREFIX!r}")
    for table, model in classes.items():
        if getattr(model, "CASE_PREFIX", None) and table not in queues:
            problems.append(f"{mpath}: {model.__name__} gives citizens case numbers "
                            f"({model.CASE_PREFIX}-…) but no queue names {table!r}")
    return problems


def _step_problems(skills: tuple[Manifest, ...], root: Path,
                   known: dict[str, set[str]]) -> list[str]:
    """Rule and story steps that name something no domain file declares."""
    problems = []
    runnable = known["actions"] | known["responses"] | known["forms"] | BUILTIN_ACTIONS
    for path, where, kind, name in steps(root / "nlu_data"):
        rel = _rel(path, root)
        if kind == "intent":
            if name not in known["intents"] and name not in BUILTIN_INTENTS:
                problems.append(f"{rel}: {where} expects intent {name!r}, which no domain file "
                                "declares")
            continue
        if name not in runnable:
            what = "response" if name.startswith("utter_") else "action"
            problems.append(f"{rel}: {where} runs {what} {name!r}, which no domain file declares")
            continue
        owner = next((m for m in skills if name.startswith(f"action_{m.id}_")), None)
        if owner is not None and name not in owner.actions:
            problems.append(f"{rel}: {where} runs action {name!r}, which is not in "
                            f"{_rel(owner.manifest_path, root)}")
    return problems


def problems(root: Path = ROOT) -> list[str]:
    """Every disagreement between the installed skills' manifests and the project, as lines
    that name the file and the name."""
    try:
        skills = read_manifests(root / "skills")
    except ManifestError as exc:
        return [str(exc)]
    known = declared(root)
    requirements, shared = app_requirements(root), shared_hotlines(root)
    found = []
    for m in skills:
        found += _fragment_problems(m, root, known)
        found += _facts_problems(m, root, requirements, shared)
        found += queue_problems(m, root)
    found += _action_class_problems(skills, root)
    found += _step_problems(skills, root, known)
    return found

