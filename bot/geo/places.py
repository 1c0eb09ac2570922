"""Find place names inside a Thai sentence: provinces, districts, Bangkok แขวง, stations, landmarks.

Names come from the gazetteer (``geodata/gazetteer.csv``, the same list the engine's tokenizer
uses), the police station seed points (``geodata/police_stations.csv``) and a small curated
list of well-known places (``geodata/landmarks.csv``, each row with source and date).

Matching is exact on normalised Thai first (longest names win, "อำเภอ", "เขต", "แขวง",
"จังหวัด", "สน." prefixes are understood), then fuzzy (rapidfuzz) for typing mistakes.
More than one result means the text is ambiguous: offer the user a numbered choice.

>>> [p.name_th for p in resolve_place("อยู่แถวสวนลุม")]
['สวนลุมพินี']
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot import gazetteer
from bot.geo.admin import BANGKOK, GEODATA, layers
from bot.text import normalize

STATIONS_FILE = GEODATA / "police_stations.csv"
LANDMARKS_FILE = GEODATA / "landmarks.csv"
MIN_NAME = 3
FUZZY_CUTOFF = 85
# Specific before general when one name means nested places in one province
# (แขวงลาดพร้าว inside เขตลาดพร้าว, served by สน.ลาดพร้าว).
SPECIFICITY = {"landmark": 0, "khwaeng": 1, "subdistrict": 1, "station": 2, "khet": 3,
               "district": 3, "province": 4}
_PREFIXES = ("จังหวัด", "จ.", "อำเภอ", "อ.", "เขต", "แขวง", "ตำบล", "ต.", "สน.", "สภ.",
             "สถานีตำรวจนครบาล", "สถานีตำรวจภูธร", "สถานีตำรวจ", "โรงพัก")


@dataclass(frozen=True)
class Place:
    """A named place with a point to measure from (``kind`` as in the module docstring)."""

    name_th: str
    kind: str  # 'province'|'district'|'khet'|'khwaeng'|'subdistrict'|'station'|'landmark'
    province_th: str
    district_th: str | None
    lat: float
    lon: float
    code: str | None


def _fold(text: str) -> str:
    return re.sub(r"[\s.]", "", normalize(text)).lower()


def _rep_points(layer, code_field: str) -> dict[str, tuple[float, float]]:
    out = {}
    for props, geom in zip(layer.props, layer.geoms, strict=True):
        p = geom.representative_point()
        out[props[code_field]] = (round(p.y, 6), round(p.x, 6))
    return out


@lru_cache(maxsize=1)
def all_places() -> tuple[Place, ...]:
    """Every place the resolver knows, with coordinates (built once per process)."""
    lay = layers()
    district_pts = _rep_points(lay.districts, "ADM2_PCODE")
    khwaeng_pts = _rep_points(lay.khwaeng, "ADM3_PCODE")
    capital: dict[str, tuple[float, float]] = {}
    for props in lay.districts.props:
        name, prov = props["ADM2_TH"], props["ADM1_TH"]
        if name == "เมือง" + prov or (prov == BANGKOK and name == "พระนคร"):
            capital[prov] = district_pts[props["ADM2_PCODE"]]
    places: list[Place] = []
    for g in gazetteer.load_places():
        bkk = g.province_th == BANGKOK
        if g.kind == "province":
            pt = capital.get(g.name_th)
            kind, district = "province", None
        elif g.kind == "district":
            pt, kind, district = district_pts.get(g.code), ("khet" if bkk else "district"), g.name_th
        elif g.kind == "subdistrict":
            pt, kind, district = khwaeng_pts.get(g.code), ("khwaeng" if bkk else "subdistrict"), g.parent_th
        else:
            continue  # stations come with their seed points below
        if pt is not None:
            places.append(Place(g.name_th, kind, g.province_th, district, pt[0], pt[1], g.code))
    if STATIONS_FILE.exists():
        with open(STATIONS_FILE, encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                places.append(Place(r["name_th"], "station", r["province_th"], r["district_th"],
                                    float(r["lat"]), float(r["lon"]), r["station_id"]))
    with open(LANDMARKS_FILE, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            places.append(Place(r["name_th"], "landmark", r["province_th"], r["district_th"],
                                float(r["lat"]), float(r["lon"]), None))
    return tuple(places)


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, list[Place]], tuple[str, ...]]:
    """Folded name → places, and the names for fuzzy matching."""
    by_name: dict[str, list[Place]] = defaultdict(list)

    def add(name: str, place: Place) -> None:
        key = _fold(name)
        if len(key) >= MIN_NAME and place not in by_name[key]:
            by_name[key].append(place)

    for place in all_places():
        add(place.name_th, place)
        if place.kind == "station":
            add(place.name_th.removeprefix("สน.").removeprefix("สภ."), place)
    with open(LANDMARKS_FILE, encoding="utf-8") as fh:
        landmark = {p.name_th: p for p in all_places() if p.kind == "landmark"}
        for r in csv.DictReader(fh):
            for alias in filter(None, r["aliases"].split("|")):
                add(alias, landmark[r["name_th"]])
    return dict(by_name), tuple(by_name)


def _strip_prefix(folded: str) -> str:
    for prefix in _PREFIXES:
        if folded.startswith(_fold(prefix)) and len(folded) > len(_fold(prefix)):
            return folded[len(_fold(prefix)):]
    return folded


# A word written just before a name says which kind of place is meant ("เขตบางกะปิ").
_KIND_HINTS = (("อำเภอ", ("district", "khet")), ("อ.", ("district", "khet")),
               ("เขต", ("khet", "district")), ("แขวง", ("khwaeng", "subdistrict")),
               ("ตำบล", ("subdistrict", "khwaeng")), ("ต.", ("subdistrict", "khwaeng")),
               ("จังหวัด", ("province",)), ("จ.", ("province",)), ("สน.", ("station",)),
               ("สภ.", ("station",)), ("โรงพัก", ("station",)), ("สถานีตำรวจ", ("station",)))


def _hinted(before: str, places: list[Place]) -> list[Place]:
    for word, kinds in _KIND_HINTS:
        if before.endswith(_fold(word)):
            narrowed = [p for p in places if p.kind in kinds]
            return narrowed or places
    return places


def _exact(text: str) -> list[tuple[str, list[Place]]]:
    """Names found in the text, longest first, not overlapping."""
    by_name, _ = _names()
    longest = max(map(len, by_name))
    found: list[tuple[int, int, str]] = []
    n = len(text)
    for start in range(n):
        for end in range(min(n, start + longest), start + MIN_NAME - 1, -1):
            if text[start:end] in by_name:
                found.append((start, end, text[start:end]))
                break
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int]] = []
    out = []
    for start, end, name in found:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        out.append((name, _hinted(text[:start], by_name[name])))
    return out


def _collapse(places: list[Place]) -> list[Place]:
    """One name meaning nested places of one district counts as one place: keep the finest.

    แขวงลาดพร้าว, เขตลาดพร้าว and สน.ลาดพร้าว are one answer; แขวงบางกะปิ (in เขตห้วยขวาง)
    and เขตบางกะปิ are two.
    """
    districts = {(p.province_th, p.district_th or p.name_th) for p in places if p.kind != "province"}
    if len(districts) == 1 and len({p.kind for p in places}) == len(places):
        return [min(places, key=lambda p: SPECIFICITY[p.kind])]
    return places


def resolve_place(text: str, limit: int = 5) -> list[Place]:
    """Places named in ``text``: one means found, several mean ambiguous, none means unknown.

    >>> [(p.name_th, p.kind) for p in resolve_place("อยู่ลาดพร้าว แจ้งความที่ไหน")]
    [('ลาดพร้าว', 'khwaeng')]
    """
    folded = _fold(text or "")
    if not folded:
        return []
    matches = _exact(folded)
    if not matches:
        by_name, names = _names()
        best = process.extract(folded, names, scorer=fuzz.partial_ratio, limit=limit,
                               score_cutoff=FUZZY_CUTOFF)
        best = [b for b in best if len(b[0]) >= 5]
        if not best:
            return []
        top = best[0][1]
        matches = [(name, by_name[name]) for name, score, _ in best if score == top]
    provinces = {p.province_th for _, ps in matches for p in ps if p.kind == "province"}
    results: list[Place] = []
    for _, places in matches:
        if provinces and len(matches) > 1:
            # "บ้านนา นครนายก": the province named alongside settles which one is meant
            narrowed = [p for p in places if p.province_th in provinces]
            places = narrowed or places
        results.extend(p for p in _collapse(places) if p not in results)
    if len(results) > 1 and provinces:
        finer = [p for p in results if p.kind != "province"]
        results = finer or results
    return results[:limit]
