"""Scaffold a new skill: ``make new-skill ID=parking NAME_TH=ที่จอดรถ``.

Writes a working skill in the three places the Rasa layout puts it, plus its tests, and
nothing else (no file outside them is edited: the menu, the help text's count, the hotline
list and the tests' list of skills all come from the installed skills)::

    skills/<id>/            manifest.json, __init__.py, service.py, models.py,
                            migrations/<id>_0001_initial.py, README.md, data/texts_th.yml
                            (and web.py with --web)
    actions/<id>.py         one SkillAction answering the entry intent
    nlu_data/<id>/          nlu.yml (15 Thai examples), domain.yml, rules.yml
    tests/app/test_<id>_service.py, tests/system/test_<id>_chat.py,
    tests/engine/heldout/<id>.yml

The files are made from the templates in ``bot/tools/skill_template/`` (``string.Template``:
``${id}``, ``${name_th}``…), the manifest from ``manifest()``. A skill "being prepared"
(``--preparing``) has the same files, but its entry intent gets the core's honest
``action_service_preparing`` answer with its hotline until its rule is switched to its action.

    python -m bot.tools.scaffold parking --name-th ที่จอดรถ [--name-en Parking]
        [--menu-th "หาที่จอดรถ"] [--hotline 1111] [--preparing] [--web] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from string import Template

from bot.kernel.registry import ID_PATTERN, ManifestError, discover

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "skill_template"
# Until the service has a number of its own: the government's contact centre (kernel data).
DEFAULT_HOTLINE = "1111"
DEFAULT_MENU_TH = "สอบถามข้อมูลและช่องทางติดต่อ"
# What a skill made here imports (checked against requirements/app.in by make validate).
REQUIREMENTS = ["alembic", "SQLAlchemy"]


class ScaffoldError(ValueError):
    """The skill cannot be made (a bad id, or one already in use)."""


def manifest(skill_id: str, name_th: str, name_en: str, menu_th: str, hotline: str,
             status: str, menu_order: int) -> dict:
    """The new skill's manifest: its one intent and action, its menu line, its number."""
    return {
        "id": skill_id, "name_th": name_th, "name_en": name_en, "status": status,
        "menu_order": menu_order, "menu_th": menu_th,
        "entry_intent": f"{skill_id}_ask", "intents": [f"{skill_id}_ask"],
        "actions": [f"action_{skill_id}_answer"],
        "slots": [], "entities": [], "responses": [], "forms": [],
        "hotlines": [hotline], "dependencies": [], "requirements": REQUIREMENTS,
        "personal_data": False,
    }


def _values(skill_id: str, name_th: str, name_en: str, status: str) -> dict[str, str]:
    ready = status == "ready"
    return {
        "id": skill_id, "Name": skill_id.capitalize(), "name_th": name_th, "name_en": name_en,
        "status": status, "date": date.today().isoformat(),
        "entry_action": f"action_{skill_id}_answer" if ready else "action_service_preparing",
        "rule_comment": ("The entry question is answered by the skill's action." if ready else
                         f"Being prepared: the core answers with the hotline. When ready: "
                         f"action_{skill_id}_answer here, status ready in the manifest."),
        "chat_assertion": ("assert service.answer(question).text in reply" if ready else
                           "assert service.answer(question).call.number in reply"
                           "  # being prepared: its number for now"),
    }


def planned(skill_id: str, web: bool = False) -> list[tuple[Path, Path | None]]:
    """``(path inside the project, template or None for the manifest)`` of every file."""
    files: list[tuple[Path, Path | None]] = [(Path("skills", skill_id, "manifest.json"), None)]
    for template in sorted(TEMPLATES.rglob("*.tmpl")):
        rel = template.relative_to(TEMPLATES)
        if rel.name == "web.py.tmpl" and not web:
            continue
        target = Template(str(rel.with_suffix(""))).substitute(id=skill_id)
        files.append((Path(target), template))
    return files


def scaffold(skill_id: str, name_th: str, name_en: str = "", menu_th: str = DEFAULT_MENU_TH,
             hotline: str = DEFAULT_HOTLINE, preparing: bool = False, web: bool = False,
             root: Path = ROOT) -> list[Path]:
    """Write the new skill under ``root``; return the files written (relative to ``root``)."""
    if not ID_PATTERN.match(skill_id):
        raise ScaffoldError(f"id {skill_id!r}: lower-case letters and digits, starting with a "
                            "letter (2 to 31 characters), e.g. parking")
    if not name_th.strip():
        raise ScaffoldError("the Thai name is needed (NAME_TH=…): the menu and the training "
                            "examples say it")
    files = planned(skill_id, web)
    places = {f"skills/{skill_id}/", f"actions/{skill_id}.py", f"nlu_data/{skill_id}/"}
    taken = sorted(p for p in places if (root / p).exists())
    taken += [str(rel) for rel, _ in files if (root / rel).exists() and rel.parts[0] == "tests"]
    if taken:
        raise ScaffoldError(f"skill {skill_id!r} exists already: {', '.join(taken)}")
    try:
        order = max((m.menu_order for m in discover(root / "skills")), default=0) + 1
    except ManifestError as exc:
        raise ScaffoldError(f"fix the installed skills first: {exc}") from exc
    status = "preparing" if preparing else "ready"
    name_en = name_en or skill_id.capitalize()
    values = _values(skill_id, name_th.strip(), name_en, status)
    for rel, template in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if template is None:
            text = json.dumps(manifest(skill_id, name_th.strip(), name_en, menu_th, hotline,
                                       status, order), ensure_ascii=False, indent=2) + "\n"
        else:
            text = Template(template.read_text(encoding="utf-8")).substitute(values)
        path.write_text(text, encoding="utf-8")
    return [rel for rel, _ in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scaffold a new skill (see skills/README.md).")
    parser.add_argument("id", help="the skill's id: lower-case letters and digits, e.g. parking")
    parser.add_argument("--name-th", required=True, help="Thai name, as the menu says it")
    parser.add_argument("--name-en", default="", help="English name (default: the id)")
    parser.add_argument("--menu-th", default=DEFAULT_MENU_TH, help="the menu line after the name")
    parser.add_argument("--hotline", default=DEFAULT_HOTLINE,
                        help=f"the number that serves people today (default {DEFAULT_HOTLINE})")
    parser.add_argument("--preparing", action="store_true",
                        help="status 'preparing': the entry intent gets the hotline for now")
    parser.add_argument("--web", action="store_true", help="also write web.py with one API route")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        written = scaffold(args.id, args.name_th, args.name_en, args.menu_th, args.hotline,
                           args.preparing, args.web, args.root)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for rel in written:
        print(f"  wrote {rel}")
    print(f"skill {args.id!r} made. Next: make validate, then make train and make test "
          "(skills/README.md says what to change first).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
