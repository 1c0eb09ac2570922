"""Place names the assistant knows (provinces, districts, Bangkok sub-districts, stations).

Reads ``geodata/gazetteer.csv`` (built by ``geodata/build_gazetteer.py``). Standard
library only, so the engine's tokenizer and the app's resolvers share one list.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "geodata" / "gazetteer.csv"


@dataclass(frozen=True)
class Place:
    """One gazetteer entry, e.g. ``Place("ลุมพินี", "subdistrict", "TH100704", "ปทุมวัน", …)``."""

    name_th: str
    kind: str
    code: str
    parent_th: str
    province_th: str


@lru_cache(maxsize=4)
def load_places(path: str | Path = DEFAULT_PATH) -> tuple[Place, ...]:
    """All gazetteer entries, in file order."""
    with open(path, encoding="utf-8") as fh:
        return tuple(
            Place(r["name_th"], r["kind"], r["code"], r["parent_th"], r["province_th"])
            for r in csv.DictReader(fh)
        )


def dictionary_words(path: str | Path = DEFAULT_PATH) -> frozenset[str]:
    """Names to add to the word-segmentation dictionary so they stay whole.

    Names with spaces ("พลับพลาไชย 1") contribute their Thai part only, since the
    tokenizer splits on spaces first.
    """
    words = set()
    for place in load_places(path):
        for part in place.name_th.split():
            if len(part) > 1 and not part.isdigit():
                words.add(part)
    return frozenset(words)
