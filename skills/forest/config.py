"""The skill's data files, read once: observed properties, danger classes, alert rules, agencies."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.kernel.texts import Texts

DATA = Path(__file__).resolve().parent / "data"
texts = Texts.load(DATA / "texts_th.yml")


@cache
def load(name: str) -> dict[str, Any]:
    """``data/<name>.yml`` as a dict (cached)."""
    with open(DATA / f"{name}.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def properties() -> dict[str, dict[str, Any]]:
    return load("properties")["properties"]


def rules() -> dict[str, dict[str, Any]]:
    return load("alert_rules")["rules"]


def agencies() -> dict[str, dict[str, Any]]:
    return load("agencies")["agencies"]
