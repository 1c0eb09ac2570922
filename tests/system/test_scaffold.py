"""A skill made by ``make new-skill`` trains and answers end to end, and touches nothing else.

The repository is copied to a temporary directory (the files git knows, work in progress
included; the two virtual environments linked, not copied) and made a git repository of its
own. There the scaffold makes a skill; git shows that only the skill's three places and its
tests changed; the checks ``make validate`` runs pass, and so do the skill's generated unit
tests; the copy trains its own model (into its own ``models/``, cached by its own hash); a
stack started from the copy lists the new service in the menu and answers its entry question
with the skill's own answer.

Training takes about two minutes: run this under the training lock like every test that trains
(``flock /tmp/train.lock .venv/bin/python -m pytest tests/system/test_scaffold.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.tools.stack import APP_PYTHON, ENGINE_ENV, ENGINE_PYTHON
from tests.system.conftest import ROOT, Chat, running_stack, texts

SKILL, NAME_TH, MENU_TH = "parking", "ที่จอดรถ", "หาที่จอดรถใกล้ฉัน"
VENVS = (".venv", ".venv-engine")


def _git(copy: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@localhost",
                           *args], cwd=copy, check=True, capture_output=True,
                          text=True).stdout


def _copy_repository(copy: Path) -> None:
    """The files git knows (tracked and new, not ignored) as they are now, as one commit."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():  # a file deleted in the work tree is still listed
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, copy / rel)
    for venv in VENVS:
        (copy / venv).symlink_to(ROOT / venv)
    _git(copy, "init", "-q")
    (copy / ".git" / "info" / "exclude").write_text("\n".join(VENVS) + "\n")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "the project as it is")


def _run(copy: Path, *cmd: str, engine: bool = False) -> subprocess.CompletedProcess:
    python = ENGINE_PYTHON if engine else APP_PYTHON
    env = {**os.environ, **ENGINE_ENV, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([str(python), *cmd], cwd=copy, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The copy with the new skill made, checked and trained."""
    copy = tmp_path_factory.mktemp("scaffold") / "repo"
    _copy_repository(copy)
    made = _run(copy, "-m", "bot.tools.scaffold", SKILL, "--name-th", NAME_TH,
                "--menu-th", MENU_TH)
    assert made.returncode == 0, made.stderr
    trained = _run(copy, "-m", "bot.tools.build", engine=True)
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    return copy


def test_only_the_skills_own_places_changed(copy):
    changed = [line[3:] for line in _git(copy, "status", "--porcelain",
                                         "--untracked-files=all").splitlines()]
    own = re.compile(rf"^(skills/{SKILL}/|nlu_data/{SKILL}/|actions/{SKILL}\.py$"
                     rf"|tests/(.+/)?test_{SKILL}[^/]*\.py$|tests/engine/heldout/{SKILL}\.yml$)")
    assert changed, "the scaffold wrote nothing"
    assert [path for path in changed if not own.match(path)] == []
    for place in (f"skills/{SKILL}/manifest.json", f"actions/{SKILL}.py",
                  f"nlu_data/{SKILL}/nlu.yml", f"skills/{SKILL}/migrations"):
        assert any(path.startswith(place) for path in changed), place


def test_the_checks_and_the_skills_own_tests_pass(copy):
    checks = _run(copy, "-m", "bot.tools.checks")
    assert checks.returncode == 0, checks.stdout
    unit = _run(copy, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                f"tests/app/test_{SKILL}_service.py")
    assert unit.returncode == 0, unit.stdout[-3000:]


@pytest.fixture(scope="module")
def stack(copy, tmp_path_factory):
    """The product started from the copy: its code, its skills, its model."""
    with running_stack(tmp_path_factory, "scaffold-var", root=copy) as stack:
        yield stack


def test_the_new_skill_answers_its_entry_question(copy, stack):
    said = _run(copy, "-c", f"from skills.{SKILL} import service; "
                            "print(service.answer('').text)")
    assert said.returncode == 0, said.stderr
    reply = texts(Chat(stack).say(f"อยากถามเรื่อง{NAME_TH}หน่อยค่ะ"))
    assert said.stdout.strip() in reply


def test_the_menu_lists_the_new_service(copy, stack):
    manifest = json.loads((copy / "skills" / SKILL / "manifest.json").read_text("utf-8"))
    menu = texts(Chat(stack).say("สวัสดีครับ"))
    assert f"{manifest['menu_order']}. {NAME_TH}: {MENU_TH}" in menu
