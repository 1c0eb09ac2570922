"""The skill's Thai texts (``data/texts_th.yml``), filled with ``str.format`` values."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).resolve().parent / "data" / "texts_th.yml"


@lru_cache(maxsize=1)
def load() -> dict[str, str]:
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


def text(key: str, **values: Any) -> str:
    """Text ``key`` with ``values`` filled in; a missing key is a bug and raises KeyError."""
    template = load()[key]
    return template.format(**values) if values else template
