"""Public hotlines: the numbers every skill shares, and each installed skill's own.

The shared numbers (191, 199, 1669, 1300, 1323, the emergency lines of ``emergency.yml``) are
facts with source and date in ``bot/kernel/data/hotlines.yml``. A number only one service
needs (1584 for motorcycle taxis) is described in that skill's manifest, so adding a skill
never edits the kernel's data (``bot.kernel.registry.skill_hotlines``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "hotlines.yml"


@lru_cache(maxsize=1)
def shared() -> dict[str, dict]:
    """The kernel's hotline records by number (``bot/kernel/data/hotlines.yml``)."""
    import yaml

    with open(DATA, encoding="utf-8") as fh:
        return {str(k): v for k, v in yaml.safe_load(fh)["hotlines"].items()}


@lru_cache(maxsize=1)
def hotlines() -> dict[str, dict]:
    """Every hotline record by number, e.g. ``hotlines()["1584"]["name_th"]``: the installed
    skills' and the kernel's. A skill that describes a kernel number again does not change it
    (``make validate`` reports it)."""
    from bot.kernel.registry import skill_hotlines

    return {**skill_hotlines(), **shared()}


def record(number: str) -> dict:
    """The record of ``number``; raises ``KeyError`` for an unknown one. A kernel number is
    found without reading the skills' manifests: the emergency answers need nothing else."""
    found = shared().get(number)
    return found if found is not None else hotlines()[number]


def name(number: str) -> str:
    """Thai name of the service behind ``number``; raises ``KeyError`` for an unknown one."""
    return record(number)["name_th"]


def describe(numbers: list[str] | tuple[str, ...]) -> str:
    """``"1584 (กรมการขนส่งทางบก …)"``, several joined with " หรือ "."""
    return " หรือ ".join(f"{n} ({name(n)})" for n in numbers)
