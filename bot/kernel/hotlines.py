"""Public hotlines, from ``bot/kernel/data/hotlines.yml`` (facts with source and date)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "hotlines.yml"


@lru_cache(maxsize=1)
def hotlines() -> dict[str, dict]:
    """Hotline records by number, e.g. ``hotlines()["191"]["name_th"]``."""
    import yaml

    with open(DATA, encoding="utf-8") as fh:
        return {str(k): v for k, v in yaml.safe_load(fh)["hotlines"].items()}


def name(number: str) -> str:
    """Thai name of the service behind ``number``; raises ``KeyError`` for an unknown one."""
    return hotlines()[number]["name_th"]


def describe(numbers: list[str] | tuple[str, ...]) -> str:
    """``"1584 (กรมการขนส่งทางบก …)"``, several joined with " หรือ "."""
    return " หรือ ".join(f"{n} ({name(n)})" for n in numbers)
