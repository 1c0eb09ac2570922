"""Skill registry: discovers the skill plugins under ``skills/`` from their manifests.

A skill is a package ``skills/<id>/`` with a ``manifest.json`` (see ``Manifest``). Adding
a skill means adding its folders (``skills/<id>/``, ``nlu_data/<id>/``, ``actions/<id>.py``,
``tests/skills/<id>/``); nothing here changes. List the installed skills with::

    python -m bot.kernel.registry
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SKILLS_DIR = Path(__file__).resolve().parents[2] / "skills"
STATUSES = ("preparing", "ready")
_ID = re.compile(r"^[a-z][a-z0-9]{1,30}$")


class ManifestError(ValueError):
    """A skill manifest is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Manifest:
    """What a skill declares about itself."""

    id: str
    name_th: str
    name_en: str
    menu_th: str
    menu_order: int
    status: str
    entry_intent: str
    intents: tuple[str, ...]
    actions: tuple[str, ...]
    hotlines: tuple[str, ...]
    dependencies: tuple[str, ...] = ()
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
    path: Path = field(default=SKILLS_DIR, compare=False)

    @property
    def ready(self) -> bool:
        return self.status == "ready"


def _load(path: Path) -> Manifest:
    folder = path.parent.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from exc
    try:
        m = Manifest(
            id=raw["id"], name_th=raw["name_th"], name_en=raw["name_en"],
            menu_th=raw["menu_th"], menu_order=int(raw["menu_order"]), status=raw["status"],
            entry_intent=raw["entry_intent"], intents=tuple(raw["intents"]),
            actions=tuple(raw.get("actions", ())), hotlines=tuple(raw.get("hotlines", ())),
            dependencies=tuple(raw.get("dependencies", ())),
            requirements=tuple(raw.get("requirements", ())),
            personal_data=bool(raw.get("personal_data", False)),
            location_action=raw.get("location_action"), image_action=raw.get("image_action"),
            answers=tuple(sorted(dict(raw.get("answers", {})).items())),
            path=path.parent,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{path}: missing or invalid field: {exc}") from exc
    problems = []
    if m.id != folder or not _ID.match(m.id):
        problems.append(f"id {m.id!r} must be lower-case and equal the folder name {folder!r}")
    if m.status not in STATUSES:
        problems.append(f"status must be one of {STATUSES}")
    if m.entry_intent not in m.intents:
        problems.append("entry_intent must be one of the skill's intents")
    problems += [f"intent {i!r} must start with '{m.id}_'" for i in m.intents
                 if not i.startswith(m.id + "_")]
    problems += [f"action {a!r} must start with 'action_{m.id}_'" for a in m.actions
                 if not a.startswith(f"action_{m.id}_")]
    if m.location_action is not None and m.location_action not in m.actions:
        problems.append("location_action must be one of the skill's actions")
    if m.image_action is not None and m.image_action not in m.actions:
        problems.append("image_action must be one of the skill's actions")
    for key, action in m.answers:
        if not key.startswith(m.id + "_"):
            problems.append(f"answers key {key!r} must start with '{m.id}_'")
        if action not in m.actions:
            problems.append(f"answers[{key!r}] must be one of the skill's actions")
    if problems:
        raise ManifestError(f"{path}: " + "; ".join(problems))
    return m


@lru_cache(maxsize=4)
def discover(skills_dir: Path = SKILLS_DIR) -> tuple[Manifest, ...]:
    """All skills under ``skills_dir``, in menu order. Raises ``ManifestError`` on a bad one."""
    manifests = [_load(p) for p in sorted(skills_dir.glob("*/manifest.json"))]
    ids = {m.id for m in manifests}
    for m in manifests:
        unknown = set(m.dependencies) - ids
        if unknown:
            raise ManifestError(f"skill {m.id!r} depends on unknown skills {sorted(unknown)}")
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
