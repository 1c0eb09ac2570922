"""The item catalogue: items with one base unit and named packs; asset types, skills, levels.

Read from ``data/catalogue.yml``. Every quantity that enters the registry goes through
``to_base``: the agency's unit word must be the item's base unit or one of its packs (by
any listed spelling), otherwise the row is refused with a reason; nothing is guessed.

>>> CATALOGUE.to_base("sandbag", 3, "มัด")
150
>>> CATALOGUE.to_base("water_600ml", 2, "Packs")
24
>>> CATALOGUE.item_code("กระสอบ ทราย"), CATALOGUE.asset_type("เรือท้องแบน")
('sandbag', 'boat')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kernel.text import normalize

from .models import Item, ItemPack

DATA = Path(__file__).resolve().parent / "data" / "catalogue.yml"
MAX_BASE = 10**9  # base units in one stock line or request line (fits every database's integer)


class UnitError(ValueError):
    """A unit or item the catalogue does not know; ``str()`` is the Thai reason."""


def word_key(text: str) -> str:
    """A spelling-insensitive key: normalised, lower case, no spaces, dots or dashes.

    >>> word_key(" Sand-Bags ") == word_key("sandbags")
    True
    """
    return re.sub(r"[\s.\-_()]", "", normalize(str(text))).lower()


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name_th: str
    base_unit: str
    expires: bool
    packs: dict[str, int]


class Catalogue:
    """The catalogue file, with lookups by any spelling."""

    def __init__(self, path: Path = DATA):
        self.path = path

    @cached_property
    def raw(self) -> dict[str, Any]:
        return yaml.safe_load(self.path.read_text(encoding="utf-8"))

    @cached_property
    def items(self) -> dict[str, CatalogueItem]:
        return {i["code"]: CatalogueItem(i["code"], i["name_th"], i["base_unit"],
                                         bool(i.get("expires")), dict(i.get("packs") or {}))
                for i in self.raw["items"]}

    def _index(self, entries: dict[Any, list[str]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, words in entries.items():
            for w in [key, *words]:
                out[word_key(w)] = key
        return out

    @cached_property
    def _units(self) -> dict[str, str]:
        return self._index(self.raw["units"])

    @cached_property
    def _items(self) -> dict[str, str]:
        return self._index({i["code"]: [i["name_th"], *i.get("aliases", [])]
                            for i in self.raw["items"]})

    @cached_property
    def _assets(self) -> dict[str, str]:
        return self._index({k: [v["name_th"], *v["aliases"]]
                            for k, v in self.raw["asset_types"].items()})

    @cached_property
    def _skills(self) -> dict[str, str]:
        return self._index({k: [v["name_th"], *v["aliases"]] for k, v in self.raw["skills"].items()})

    @cached_property
    def _conditions(self) -> dict[str, int]:
        return self._index({int(k): v for k, v in self.raw["conditions"].items()})

    @cached_property
    def _levels(self) -> dict[str, int]:
        return self._index({int(k): v for k, v in self.raw["levels"].items()})

    def item_code(self, word: str) -> str | None:
        return self._items.get(word_key(word))

    def unit(self, word: str) -> str | None:
        return self._units.get(word_key(word))

    def asset_type(self, word: str) -> str | None:
        return self._assets.get(word_key(word))

    def skill(self, word: str) -> str | None:
        return self._skills.get(word_key(word))

    def condition(self, word: str) -> int | None:
        return self._conditions.get(word_key(word))

    def level(self, word: str) -> int | None:
        return self._levels.get(word_key(word))

    def asset_name(self, kind: str) -> str:
        return self.raw["asset_types"][kind]["name_th"]

    def skill_name(self, skill: str) -> str:
        return self.raw["skills"][skill]["name_th"]

    def level_name(self, level: int) -> str:
        return self.raw["levels"][level][0]

    def words_in(self, text: str, kind: str) -> list[str]:
        """Codes of ``kind`` ("items", "assets", "skills") whose spellings occur in ``text``,
        longest spelling first (``"ขับเรือ ว่ายน้ำได้"`` → boat_operator, swimming)."""
        index = {"items": self._items, "assets": self._assets, "skills": self._skills}[kind]
        folded = word_key(text)
        found: list[str] = []
        for key in sorted(index, key=len, reverse=True):
            if len(key) >= 2 and key in folded:
                folded = folded.replace(key, " ")
                if index[key] not in found:
                    found.append(index[key])
        return found

    def to_base(self, item: str, quantity: Any, unit_word: str,
                extra_packs: dict[str, int] | None = None) -> int:
        """``quantity`` of ``unit_word`` of ``item`` in the item's base unit (an integer).

        ``extra_packs``: an agency's own pack sizes (``{"กล่อง": 10}``), from its mapping.
        """
        entry = self.items.get(item)
        if entry is None:
            raise UnitError(f"ไม่รู้จักรายการ {item}")
        try:
            qty = float(str(quantity).replace(",", "").strip())
        except ValueError:
            raise UnitError(f"จำนวน '{quantity}' ไม่ใช่ตัวเลข") from None
        if qty < 0 or qty != qty or qty > 1e9:
            raise UnitError(f"จำนวน '{quantity}' ต้องเป็นตัวเลขไม่ติดลบ")
        own = {word_key(k): v for k, v in (extra_packs or {}).items()}
        if word_key(unit_word) in own:
            factor = own[word_key(unit_word)]
        else:
            unit = self.unit(unit_word) if str(unit_word).strip() else entry.base_unit
            if unit == entry.base_unit:
                factor = 1
            elif unit in entry.packs:
                factor = entry.packs[unit]
            else:
                allowed = ", ".join([entry.base_unit, *entry.packs])
                raise UnitError(f"หน่วย '{unit_word}' ใช้กับ{entry.name_th}ไม่ได้ "
                                f"(ใช้ได้: {allowed})")
        base = qty * factor
        if abs(base - round(base)) > 1e-6:
            raise UnitError(f"{quantity} {unit_word} ไม่เป็นจำนวนเต็มของ{entry.base_unit}")
        if base > MAX_BASE:
            raise UnitError(f"จำนวน {quantity} {unit_word} มากเกินกว่าที่ระบบรับได้")
        return int(round(base))

    def sync(self, session: Session) -> dict[str, Item]:
        """Make the item and pack tables match the file (idempotent); code → ``Item``."""
        rows = {i.code: i for i in session.scalars(select(Item))}
        for entry in self.items.values():
            row = rows.get(entry.code)
            if row is None:
                row = rows[entry.code] = Item(code=entry.code, name_th=entry.name_th,
                                              base_unit=entry.base_unit, expires=entry.expires)
                session.add(row)
                session.flush()
            else:
                row.name_th, row.base_unit, row.expires = (entry.name_th, entry.base_unit,
                                                           entry.expires)
            packs = {p.name: p for p in session.scalars(
                select(ItemPack).where(ItemPack.item_id == row.id))}
            for name, qty in entry.packs.items():
                if name in packs:
                    packs[name].quantity = qty
                else:
                    session.add(ItemPack(item_id=row.id, name=name, quantity=qty))
        session.flush()
        return rows


CATALOGUE = Catalogue()
