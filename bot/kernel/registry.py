"""Skill registry: discovers the skill plugins under ``skills/`` from their manifests.

A skill is a package ``skills/<id>/`` with a ``manifest.json`` (see ``Manifest``): the one
place its names and facts are written. Adding a skill means adding its folders
(``skills/<id>/``, ``nlu_data/<id>/``, ``actions/<id>.py``, its tests); nothing here changes,
and ``python -m bot.tools.checks`` (run by ``make validate``) fails when the skill's training
data, rules, action classes or requirements disagree with its manifest. Every field is
described in ``skills/README.md``. List the installed skills with::

    python -m bot.kernel.registry
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SKILLS_DIR = Path(__file__).resolve().parents[2] / "skills"
STATUSES = ("preparing", "ready")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,30}$")
_NUMBER = re.compile(r"^[0-9]{3,10}$")
# What a skill's own hotline record says (the kernel's bot/kernel/data/hotlines.yml has the
# numbers every skill shares: 191, 199, 1669, 1300, 1323…).
HOTLINE_FIELDS = ("name_th", "spoken", "source", "checked")
_PREFIX = re.compile(r"^[A-Z]{1,4}$")
# Case-number prefixes of the core (bot.app.models.HandoffRequest: a request for a person).
CORE_PREFIXES = ("H",)


@dataclass(frozen=True)
class CaseQueue:
    """A table of a skill's cases that agency staff work in the operator console.

    The number shown is the one the citizen was told: ``bot.kernel.cases.case_number(prefix,
    id)`` (the model's ``CASE_PREFIX``, checked by ``bot.tools.skillcheck``), or the value of
    the column ``number`` (a number of the skill's own, e.g. a tax bill number).
    """

    table: str
    title_th: str
    columns: tuple[tuple[str, str], ...]  # (column, Thai heading), after the number
    prefix: str = ""
    number: str = ""
    created: str = "created_at"  # when a case arrived (cases per day)


def _queues(raw: list[Any]) -> tuple[CaseQueue, ...]:
    return tuple(CaseQueue(table=str(q["table"]), title_th=str(q["title_th"]),
                           columns=tuple((str(c), str(h)) for c, h in q.get("columns", ())),
                           prefix=str(q.get("prefix", "")), number=str(q.get("number", "")),
                           created=str(q.get("created", "created_at"))) for q in raw)


class ManifestError(ValueError):
    """A skill manifest is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Manifest:
    """What a skill declares about itself."""

    id: str
    name_th: str
    name_en: str
    menu_th: str  # the menu line after the name: "หาโรงพัก เบอร์โทร แจ้งความ"
    menu_order: int
    status: str
    entry_intent: str
    intents: tuple[str, ...]
    actions: tuple[str, ...]
    # The numbers to call, most useful first (the menu of a skill being prepared says the
    # first). A number is the kernel's, or one of the skill's own in ``own_hotlines``.
    hotlines: tuple[str, ...]
    dependencies: tuple[str, ...] = ()
    # Distributions the skill imports (as in requirements/app.in: "pillow", "PyYAML").
    requirements: tuple[str, ...] = ()
    personal_data: bool = False
    # The action that answers a shared location for this skill (e.g. the covering station).
    location_action: str | None = None
    # The action that reads a picture the user sent (e.g. a QR code photo).
    image_action: str | None = None
    # Replies to the skill's own questions: when an action asks (say, "type a place") it sets
    # the slot ``expecting`` to a key here (``<id>_<what>``); a reply the classifier cannot
    # place (out of scope, low confidence) then goes to the action named for that key.
    answers: tuple[tuple[str, str], ...] = ()
    # The names the skill adds to the domain (its nlu_data/<id>/domain.yml fragment).
    slots: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    responses: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    # Its case queues in the operator console (``CaseQueue``): where the numbers come from.
    queues: tuple[CaseQueue, ...] = ()
    # The skill's own hotlines: number → {name_th, name_en?, spoken, source, checked}.
    own_hotlines: tuple[tuple[str, dict[str, str]], ...] = field(default=(), compare=False)
    path: Path = field(default=SKILLS_DIR, compare=False)

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def owns_action(self, name: str) -> bool:
        """``name`` is a name this skill may give an action: ``action_<id>_…``, or a form's
        ``validate_<form>`` or ``action_ask_<slot>`` for one of its forms and slots."""
        return (name.startswith(f"action_{self.id}_")
                or (name.startswith("validate_") and name.removeprefix("validate_") in self.forms)
                or (name.startswith("action_ask_") and name.removeprefix("action_ask_") in self.slots))


def _hotlines(raw: list[Any]) -> tuple[tuple[str, ...], tuple[tuple[str, dict[str, str]], ...]]:
    """Numbers in order, and the records of the skill's own (an entry with a ``number``)."""
    numbers, own = [], []
    for entry in raw:
        if isinstance(entry, str):
            numbers.append(entry)
            continue
        number = str(entry["number"])
        missing = [f for f in HOTLINE_FIELDS if not entry.get(f)]
        if missing:
            raise ValueError(f"hotline {number!r} needs {', '.join(missing)}")
        numbers.append(number)
        own.append((number, {k: str(v) for k, v in entry.items() if k != "number"}))
    return tuple(numbers), tuple(own)


def _names(raw: dict, key: str) -> tuple[str, ...]:
    value = raw.get(key, ())
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{key!r} must be a list of names")
    return tuple(value)


def _problems(m: Manifest, folder: str) -> list[str]:
    problems = []
    if m.id != folder or not ID_PATTERN.match(m.id):
        problems.append(f"id {m.id!r} must be lower-case and equal the folder name {folder!r}")
    if m.status not in STATUSES:
        problems.append(f"status must be one of {STATUSES}")
    if m.entry_intent not in m.intents:
        problems.append("entry_intent must be one of the skill's intents")
    problems += [f"intent {i!r} must start with '{m.id}_'" for i in m.intents
                 if not i.startswith(m.id + "_")]
    problems += [f"action {a!r} must start with 'action_{m.id}_' (or be validate_<form> or "
                 f"action_ask_<slot> of the skill's forms and slots)" for a in m.actions
                 if not m.owns_action(a)]
    for kind in ("slots", "entities", "forms"):
        problems += [f"{kind[:-1]} {n!r} must start with '{m.id}_'" for n in getattr(m, kind)
                     if not n.startswith(m.id + "_")]
    problems += [f"response {r!r} must start with 'utter_{m.id}_'" for r in m.responses
                 if not r.startswith((f"utter_{m.id}_", f"utter_ask_{m.id}_"))]
    if not m.hotlines:
        problems.append("hotlines must name at least one number (the menu says the first)")
    problems += [f"hotline {n!r} must be digits only" for n in m.hotlines if not _NUMBER.match(n)]
    if m.location_action is not None and m.location_action not in m.actions:
        problems.append("location_action must be one of the skill's actions")
    if m.image_action is not None and m.image_action not in m.actions:
        problems.append("image_action must be one of the skill's actions")
    for key, action in m.answers:
        if not key.startswith(m.id + "_"):
            problems.append(f"answers key {key!r} must start with '{m.id}_'")
        if action not in m.actions:
            problems.append(f"answers[{key!r}] must be one of the skill's actions")
    for q in m.queues:
        if not q.table.startswith(m.id + "_"):
            problems.append(f"queue table {q.table!r} must start with '{m.id}_'")
        if bool(q.prefix) == bool(q.number):
            problems.append(f"queue {q.table!r} needs either a case-number prefix or a number "
                            "column, not both")
        if q.prefix and not _PREFIX.match(q.prefix):
            problems.append(f"queue {q.table!r}: prefix {q.prefix!r} must be 1-4 capital letters")
        if not q.title_th:
            problems.append(f"queue {q.table!r} needs a title_th")
    tables = [q.table for q in m.queues]
    problems += [f"queues lists table {t!r} twice" for t in sorted(set(tables))
                 if tables.count(t) > 1]
    for kind in ("intents", "actions", "slots", "entities", "responses", "forms", "hotlines"):
        names = getattr(m, kind)
        problems += [f"{kind} lists {n!r} twice" for n in sorted(set(names)) if names.count(n) > 1]
    return problems


def _load(path: Path) -> Manifest:
    folder = path.parent.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from exc
    try:
        numbers, own = _hotlines(list(raw.get("hotlines", ())))
        m = Manifest(
            id=raw["id"], name_th=raw["name_th"], name_en=raw["name_en"],
            menu_th=raw["menu_th"], menu_order=int(raw["menu_order"]), status=raw["status"],
            entry_intent=raw["entry_intent"], intents=_names(raw, "intents"),
            actions=_names(raw, "actions"), hotlines=numbers, own_hotlines=own,
            dependencies=_names(raw, "dependencies"), requirements=_names(raw, "requirements"),
            personal_data=bool(raw.get("personal_data", False)),
            location_action=raw.get("location_action"), image_action=raw.get("image_action"),
            answers=tuple(sorted(dict(raw.get("answers", {})).items())),
            slots=_names(raw, "slots"), entities=_names(raw, "entities"),
            responses=_names(raw, "responses"), forms=_names(raw, "forms"),
            queues=_queues(list(raw.get("queues", ()))), path=path.parent,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{path}: missing or invalid field: {exc}") from exc
    problems = _problems(m, folder)
    if problems:
        raise ManifestError(f"{path}: " + "; ".join(problems))
    return m


@lru_cache(maxsize=4)
def discover(skills_dir: Path = SKILLS_DIR) -> tuple[Manifest, ...]:
    """All skills under ``skills_dir``, in menu order, read once per process. Raises
    ``ManifestError`` on a bad one."""
    return read_manifests(skills_dir)


def read_manifests(skills_dir: Path = SKILLS_DIR) -> tuple[Manifest, ...]:
    """``discover`` without the cache: the manifests as they are on disk now (for checks)."""
    manifests = [_load(p) for p in sorted(skills_dir.glob("*/manifest.json"))]
    ids = {m.id for m in manifests}
    for m in manifests:
        unknown = set(m.dependencies) - ids
        if unknown:
            raise ManifestError(f"{m.manifest_path}: skill {m.id!r} depends on unknown skills "
                                f"{sorted(unknown)}")
    prefixes = dict.fromkeys(CORE_PREFIXES, "the core")
    for m in manifests:
        for q in m.queues:
            if q.prefix and q.prefix in prefixes:
                raise ManifestError(f"{m.manifest_path}: case-number prefix {q.prefix!r} is "
                                    f"already used by {prefixes[q.prefix]}")
            if q.prefix:
                prefixes[q.prefix] = f"skill {m.id!r}"
    owners: dict[str, str] = {}
    for m in manifests:
        for number, _ in m.own_hotlines:
            if number in owners:
                raise ManifestError(f"{m.manifest_path}: hotline {number!r} is already "
                                    f"described by skill {owners[number]!r}")
            owners[number] = m.id
    return tuple(sorted(manifests, key=lambda m: (m.menu_order, m.id)))


def skill_for_intent(intent: str, skills_dir: Path = SKILLS_DIR) -> Manifest | None:
    """The skill that owns ``intent``, or ``None`` for core intents such as ``greet``."""
    for m in discover(skills_dir):
        if intent in m.intents:
            return m
    return None


def location_skill(active: str | None, skills_dir: Path = SKILLS_DIR) -> Manifest | None:
    """The ready skill that should answer a shared location.

    The skill the user is talking to, if it is ready and takes locations (a skill being
    prepared, or one that takes none, gets ``None``: the core says so honestly). With no skill
    in progress, the first ready skill in menu order that takes locations ("which police
    station covers me?" is the common case).
    """
    skills = discover(skills_dir)
    current = next((m for m in skills if m.id == active), None)
    if current is not None:  # never hijack a conversation with another skill's answer
        return current if current.ready and current.location_action else None
    return next((m for m in skills if m.ready and m.location_action), None)


def image_skill(active: str | None, skills_dir: Path = SKILLS_DIR) -> Manifest | None:
    """The ready skill the user is talking to, if it reads pictures; otherwise ``None``."""
    current = next((m for m in discover(skills_dir) if m.id == active), None)
    return current if current is not None and current.ready and current.image_action else None


def answer_action(expecting: str | None,
                  skills_dir: Path = SKILLS_DIR) -> tuple[Manifest, str] | None:
    """The ready skill and action that read a reply to the question ``expecting`` names."""
    for m in discover(skills_dir):
        for key, action in m.answers:
            if key == expecting and m.ready:
                return m, action
    return None


def get(skill_id: str, skills_dir: Path = SKILLS_DIR) -> Manifest | None:
    """The skill with this id, or ``None``."""
    return next((m for m in discover(skills_dir) if m.id == skill_id), None)


def skill_hotlines(skills_dir: Path = SKILLS_DIR) -> dict[str, dict[str, str]]:
    """The hotlines the installed skills describe themselves, by number (``bot.kernel.hotlines``
    adds them to the kernel's)."""
    return {number: record for m in discover(skills_dir) for number, record in m.own_hotlines}


def main(argv: list[str] | None = None) -> int:
    """Print the installed skills as a table."""
    try:
        skills = discover()
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{'#':>2}  {'id':<10} {'status':<10} {'hotlines':<12} name")
    for m in skills:
        print(f"{m.menu_order:>2}  {m.id:<10} {m.status:<10} {','.join(m.hotlines):<12} "
              f"{m.name_th} ({m.name_en})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
