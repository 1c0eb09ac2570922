"""Place names the assistant knows: the general gazetteer plus the names skills contribute.

The general list is ``geodata/gazetteer.csv`` (provinces, districts, Bangkok sub-districts;
built by ``geodata/build_gazetteer.py``). A skill that knows places of its own (the police
skill's stations) ships them in its folder, and every installed skill (found by
``bot.kernel.registry.discover``) is read; nothing in the kernel names them:

``skills/<id>/data/places.csv`` (``PLACE_FIELDS``)
    one place a row: ``name_th`` as citizens see it ("สน.ลุมพินี"), ``kind`` (the skill's
    own, e.g. ``station``), ``code``, ``parent_th`` (its district), ``province_th``,
    ``lat``/``lon`` (the point answers measure from), ``aliases`` ("|"-separated other
    spellings, e.g. the bare "ลุมพินี"), ``source``.
``skills/<id>/data/place_words.csv`` (``WORD_FIELDS``)
    words the skill's users write around place names: ``word``, the ``kind`` it names and
    its ``roles`` (space-separated, ``ROLES``).

Standard library only, so the engine's tokenizer (``dictionary_words``) and the app's place
resolver (``bot.kernel.geo``) share one list.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.kernel import registry

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "geodata" / "gazetteer.csv"
SKILLS_DIR = registry.SKILLS_DIR
# Where a skill keeps its contributions, relative to its folder (a fixed convention).
PLACES_FILE = Path("data") / "places.csv"
WORDS_FILE = Path("data") / "place_words.csv"
PLACE_FIELDS = ("name_th", "kind", "code", "parent_th", "province_th", "lat", "lon", "aliases",
                "source")
WORD_FIELDS = ("word", "kind", "roles", "note")
ROLES = {
    "prefix": "written before a name and left out when comparing (\"สถานีตำรวจภูธร…\")",
    "kind_hint": "before a name, says which kind is meant (\"สน.ลาดพร้าว\" is the station)",
    "place_cue": "before an everyday word, makes it a place name (\"สน.\", like \"อยู่\")",
    "not_place": "a service word that never names a place, cut out before guessing at typos",
}


@dataclass(frozen=True)
class Place:
    """One entry, e.g. ``Place("ลุมพินี", "subdistrict", "TH100704", "ปทุมวัน", …)``.

    ``skill`` is the id of the skill that contributed it ("" for the general gazetteer);
    contributed places carry their own point and aliases.
    """

    name_th: str
    kind: str
    code: str
    parent_th: str
    province_th: str
    skill: str = ""
    lat: float | None = None
    lon: float | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaceWord:
    """A word a skill's users write around place names, e.g. ``PlaceWord("สน.", "station", …)``."""

    word: str
    kind: str
    roles: frozenset[str]
    skill: str


def _rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [f for f in fields if f not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        return list(reader)


def skill_files(name: str | Path, skills_dir: Path = SKILLS_DIR) -> tuple[tuple[str, Path], ...]:
    """``(skill id, path)`` of every installed skill's file ``name`` that exists, in menu order.

    >>> "police" in [sid for sid, _ in skill_files(PLACES_FILE)]
    True
    """
    out = []
    for manifest in registry.discover(Path(skills_dir)):
        path = manifest.path / name
        if path.is_file():
            out.append((manifest.id, path))
    return tuple(out)


@lru_cache(maxsize=4)
def load_places(path: str | Path = DEFAULT_PATH,
                skills_dir: str | Path = SKILLS_DIR) -> tuple[Place, ...]:
    """The general gazetteer in file order, then each installed skill's places."""
    places = [Place(r["name_th"], r["kind"], r["code"], r["parent_th"], r["province_th"])
              for r in _rows(Path(path), ("name_th", "kind", "code", "parent_th", "province_th"))]
    for skill, file in skill_files(PLACES_FILE, Path(skills_dir)):
        for r in _rows(file, PLACE_FIELDS):
            places.append(Place(
                r["name_th"], r["kind"], r["code"], r["parent_th"], r["province_th"], skill,
                float(r["lat"]), float(r["lon"]), tuple(filter(None, r["aliases"].split("|")))))
    return tuple(places)


@lru_cache(maxsize=4)
def place_words(skills_dir: str | Path = SKILLS_DIR) -> tuple[PlaceWord, ...]:
    """Every installed skill's place words, in menu order then file order (order matters:
    the first prefix or kind hint that fits wins, so a longer word comes first)."""
    out = []
    for skill, file in skill_files(WORDS_FILE, Path(skills_dir)):
        for r in _rows(file, WORD_FIELDS):
            roles = frozenset(r["roles"].split())
            if roles - ROLES.keys() or not roles:
                raise ValueError(f"{file}: {r['word']!r}: roles must be some of {sorted(ROLES)}")
            out.append(PlaceWord(r["word"], r["kind"], roles, skill))
    return tuple(out)


def dictionary_words(path: str | Path = DEFAULT_PATH,
                     skills_dir: str | Path = SKILLS_DIR) -> frozenset[str]:
    """Names to add to the word-segmentation dictionary so they stay whole.

    Names with spaces ("พลับพลาไชย 1") contribute their Thai part only, since the tokenizer
    splits on spaces first; a part with a dot ("สน.ลุมพินี") is left out, since the tokenizer
    cuts an abbreviation at its dot: its bare form comes as an alias ("ลุมพินี").
    """
    words = set()
    for place in load_places(path, skills_dir):
        for name in (place.name_th, *place.aliases):
            for part in name.split():
                if len(part) > 1 and not part.isdigit() and "." not in part:
                    words.add(part)
    return frozenset(words)
