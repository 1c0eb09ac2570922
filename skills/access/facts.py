"""The access skill's figures, read from its data files (each with source, date, how sure).

The files are read on first use, once per process. ``source_line`` says where a figure comes
from, when, and how sure it is, in Thai, for the reply that states it.

>>> employment()["quota"]["per"]
100
>>> when("2024-02-21")
'ก.พ. 2567'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.kernel.texts import Texts

DATA = Path(__file__).resolve().parent / "data"
TEXTS = Texts.load(DATA / "texts_th.yml")
MONTHS_TH = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
             "พ.ย.", "ธ.ค.")
BUDDHIST_ERA = 543  # Thai years are counted from 543 BC


@cache
def load(name: str) -> dict[str, Any]:
    """One data file (``employment``, ``welfare``, ``education``, ``schools``)."""
    return yaml.safe_load((DATA / f"{name}.yml").read_text(encoding="utf-8"))


def employment() -> dict[str, Any]:
    return load("employment")


def welfare() -> dict[str, Any]:
    return load("welfare")


def education() -> dict[str, Any]:
    return load("education")


def schools() -> dict[str, Any]:
    return load("schools")


def used(block: dict[str, Any]) -> dict[str, Any]:
    """Of figures kept from sources that disagree (``values``), the one ``used`` names."""
    return block["values"][block["used"]]


def when(date: str) -> str:
    """An ISO date as a Thai reader says it: month and Buddhist year ("ก.พ. 2567")."""
    year, month = int(date[:4]), int(date[5:7])
    return f"{MONTHS_TH[month - 1]} {year + BUDDHIST_ERA}"


def sureness(block: dict[str, Any]) -> str:
    """How sure a figure is, as a key of the texts' ``sure`` section, from its confidence."""
    note = str(block.get("confidence", "")).lower()
    for word, key in (("unverified", "unverified"), ("approximate", "approximate"),
                      ("primary", "law"), ("agency", "agency"), ("government", "agency"),
                      ("shared", "agency")):
        if note.startswith(word):
            return key
    return "news"


def source_line(block: dict[str, Any]) -> str:
    """"ที่มา: <url> ข้อมูล <month year> (<how sure>)" for a block with source and date."""
    return TEXTS("source", url=block["source"], when=when(str(block["date"])),
                 sure=TEXTS(f"sure.{sureness(block)}"))


def baht(amount: float) -> str:
    """An amount with thousands separators, read aloud correctly ("109,500")."""
    return f"{amount:,.0f}"
