"""Which Bangkok district (khet) a sign is in: from a typed name or a shared location.

Typed names use the gazetteer (``bot.kernel.gazetteer``): a khet, a khwaeng (mapped to its khet) or a
place outside Bangkok (province or amphoe). Misspellings get fuzzy candidates for numbered
choices. A location uses the shared place kernel ``bot.kernel.geo.admin_at`` (point in polygon on the
HDX COD-AB boundaries: © Royal Thai Survey Department via OCHA/HDX, CC BY-IGO)::

    >>> [d.name_th for d in match_text("ป้ายอยู่เขตจตุจักร").khet]
    ['จตุจักร']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.kernel import gazetteer, geo
from bot.kernel.text import normalize

BANGKOK = "กรุงเทพมหานคร"
BANGKOK_WORDS = ("กรุงเทพ", "กทม", "bangkok")
FUZZY_MIN = 70
# Province names that are also everyday words ("เลย" is a particle, "ตาก" is to dry): read as a
# place only after "จังหวัด"/"จ." or as a whole reply to the district question.
COMMON_WORDS = frozenset({"เลย", "ตาก", "แพร่", "น่าน", "ตราด", "กระบี่", "ยะลา", "พังงา"})


@dataclass(frozen=True)
class District:
    """A Bangkok khet: ``code`` is the BMA/DOPA code 1001–1050."""

    code: str
    name_th: str


@dataclass
class Match:
    khet: list[District] = field(default_factory=list)  # one: sure; several: ask to choose
    outside: str | None = None  # a place outside Bangkok (its province)


@lru_cache(maxsize=1)
def khets() -> tuple[District, ...]:
    return tuple(District(p.code.removeprefix("TH"), p.name_th) for p in gazetteer.load_places()
                 if p.kind == "district" and p.province_th == BANGKOK)


@lru_cache(maxsize=1)
def _khwaeng() -> dict[str, District]:
    by_name = {d.name_th: d for d in khets()}
    return {p.name_th: by_name[p.parent_th] for p in gazetteer.load_places()
            if p.kind == "subdistrict" and p.province_th == BANGKOK and p.parent_th in by_name}


@lru_cache(maxsize=1)
def _outside() -> list[tuple[re.Pattern, str]]:
    """Patterns for places outside Bangkok: a province by name; an amphoe only after "อำเภอ"
    or "อ." (short amphoe names such as "สอง" are ordinary words)."""
    out = []
    for p in gazetteer.load_places():
        if p.province_th == BANGKOK or p.kind not in ("province", "district"):
            continue
        name = re.escape(p.name_th)
        if p.kind == "province" and p.name_th in COMMON_WORDS:
            out.append((len(p.name_th), re.compile(rf"(?:จังหวัด|จ\.){name}"), p.province_th))
        elif p.kind == "province":
            out.append((len(p.name_th), re.compile(rf"(?:จังหวัด|จ\.)?{name}"), p.province_th))
        else:
            out.append((len(p.name_th), re.compile(rf"(?:อำเภอ|อ\.){name}"), p.province_th))
    return [(pattern, province) for _n, pattern, province in sorted(out, key=lambda x: -x[0])]


@lru_cache(maxsize=1)
def _amphoe_names() -> dict[str, str]:
    """Amphoe outside Bangkok by name, for a message that is just the name ("บางพลี")."""
    return {p.name_th: p.province_th for p in gazetteer.load_places()
            if p.kind == "district" and p.province_th != BANGKOK}


def _strip(text: str) -> str:
    return re.sub(r"\s+", "", normalize(text or ""))


def match_text(text: str, fuzzy: bool = True) -> Match:
    """The district(s) named in ``text``: exact names first, then (``fuzzy``) close spellings.

    ``fuzzy`` is for a reply to the district question; otherwise only names written out (a
    khet, a khwaeng, a province, "อำเภอ …") count, never a particle:

    >>> match_text("ร้านอยู่ลาดพร้าวเลย ป้าย 1x2 เมตร", fuzzy=False).outside is None
    True
    """
    if not fuzzy:  # "สน.บางรัก" names a police station, not where the sign is
        text = re.sub(r"(?:สน\.?|สภ\.?|สถานีตำรวจ\S*|โรงพัก|station)\s*\S+", " ", text or "")
    t = _strip(text)
    polite = re.sub(r"(?:ครับ|ค่ะ|คะ|คับ|จ้า|นะ)+$", "", t)
    if fuzzy and polite in COMMON_WORDS:  # the whole reply to "which district" is the name
        return Match(outside=next(p.province_th for p in gazetteer.load_places()
                                  if p.kind == "province" and p.name_th == polite))
    for d in sorted(khets(), key=lambda d: len(d.name_th), reverse=True):
        if d.name_th in t:
            return Match(khet=[d])
    for name, d in sorted(_khwaeng().items(), key=lambda x: len(x[0]), reverse=True):
        # a khwaeng alone only in a reply to the district question ("สีลม" is also a road)
        if len(name) >= 4 and (f"แขวง{name}" in t or (fuzzy and name in t)):
            return Match(khet=[d])
    if not any(w in t.lower() for w in BANGKOK_WORDS):
        for pattern, province in _outside():
            if pattern.search(t):
                return Match(outside=province)
    whole = re.sub(r"^(?:ป้าย)?(?:อยู่|ติดที่|ที่)?(?:อำเภอ|อ\.)?", "", polite)
    province = _amphoe_names().get(whole) if fuzzy else None
    if province:
        return Match(outside=province)
    m = re.search(r"(?:เขต|แขวง)(\S{2,})", normalize(text or ""))
    if not (fuzzy or m):
        return Match()
    query = m.group(1) if m else t
    if not query or len(query) > 30:
        return Match()
    found = process.extract(query, [d.name_th for d in khets()], scorer=fuzz.ratio,
                            limit=3, score_cutoff=FUZZY_MIN)
    by_name = {d.name_th: d for d in khets()}
    return Match(khet=[by_name[name] for name, _score, _i in found])


def by_code(code: str) -> District | None:
    return next((d for d in khets() if d.code == code), None)


# --- shared location ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Located:
    in_bangkok: bool
    district: District | None
    province_th: str | None


def locate(lat: float, lon: float) -> Located:
    """The khet at a point (``bot.kernel.geo.admin_at``); outside Bangkok says so, with the province."""
    area = geo.admin_at(lat, lon)
    if area is None:
        return Located(False, None, None)
    if not area.in_bangkok:
        return Located(False, None, area.province_th)
    code = (area.code or "")[2:6]
    d = next((k for k in khets() if k.name_th == area.district_th), None) or by_code(code)
    return Located(True, d, BANGKOK)
