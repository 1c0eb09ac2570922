"""The examples in the app runtime's docstrings hold (they document behaviour users see)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE_ONLY = ("bot/engine/nlu", "bot/engine", "bot/app/migrations")  # Rasa modules: the engine runtime


def modules() -> list[str]:
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "skills").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(ENGINE_ONLY) or "/migrations/" in rel or path.name == "__main__.py":
            continue
        if ">>>" in path.read_text(encoding="utf-8"):
            found.append(rel.removesuffix(".py").replace("/", "."))
    return found


@pytest.mark.parametrize("name", modules())
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
