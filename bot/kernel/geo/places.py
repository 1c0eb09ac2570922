"""Find place names inside a Thai (or romanised) sentence: provinces, districts, Bangkok แขวง,
landmarks (markets, malls, BTS/MRT stations, universities, hospitals, sois and roads) and the
places installed skills contribute (the police skill's stations).

Names come from ``bot.kernel.gazetteer`` (``geodata/gazetteer.csv`` plus every skill's
``data/places.csv``: the same list the engine's tokenizer uses), the English names of the
same boundary layers, everyday short forms (``geodata/place_aliases.csv``) and a reviewed
list of well-known places (``geodata/landmarks.csv``, each row with source and date).

Matching, in order (the first step that finds something wins):

1. exact on normalised Thai after expanding "ถ." "ซ." "รพ." "ม." "ร.ร." (longest names win;
   "อำเภอ", "เขต", "แขวง", "จังหวัด" before a name say which kind is meant, and so do the
   words skills declare in their ``data/place_words.csv``), and romanised names ("Lat Phrao",
   "Siam") as whole words;
2. the same on a *skeleton* without tone marks and with same-sound letters merged
   ("ลาดพราว", "สุขุมวิธ");
3. fuzzy (edit distance 1, or 2 for long names) on what is left once particles and service
   words are removed ("แถวลาดพร้าย").

Names that are also everyday words (``geodata/common_words.csv``: "เลย", "ตาก", "แพร่", …)
count only with a cue ("จังหวัดเลย", "อยู่ตาก") or, with ``answer=True``, as a whole reply
to "which place?". More than one result means ambiguous: offer a numbered choice.

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
from rapidfuzz.distance import Levenshtein

from bot.kernel import gazetteer
from bot.kernel.geo.admin import BANGKOK, GEODATA, layers
from bot.kernel.geo.layer import haversine_m
from bot.kernel.text import normalize

LANDMARKS_FILE = GEODATA / "landmarks.csv"
ALIASES_FILE = GEODATA / "place_aliases.csv"
COMMON_WORDS_FILE = GEODATA / "common_words.csv"
MIN_NAME = 3
MIN_FUZZY = 7     # shorter names are too close to everyday words to guess at ("ตากผ้า")
MIN_FUZZY_KIND = 5  # ... unless a kind word comes first ("อำเภอแม่ริน")
MIN_SKELETON = 5  # "ป้าย" is not ปาย, "นาน" is not น่าน: short names match only as written
FUZZY_CUTOFF = 95  # partial match of a long name inside a longer leftover (one slip in 10)
# Specific before general when one name means nested places in one province
# (แขวงลาดพร้าว inside เขตลาดพร้าว, served by สน.ลาดพร้าว).
SPECIFICITY = {"landmark": 0, "khwaeng": 1, "subdistrict": 1, "khet": 3, "district": 3,
               "province": 4}
# A place a skill contributes (a police station) serves part of a district: finer than the
# district, coarser than a sub-district.
CONTRIBUTED_SPECIFICITY = 2
ADMIN_KINDS = ("province", "district", "khet", "khwaeng", "subdistrict")
# Kind words written before a name; skills add theirs (``bot.kernel.gazetteer.place_words``).
_PREFIXES = ("จังหวัด", "จ.", "อำเภอ", "อ.", "เขต", "แขวง", "ตำบล", "ต.")
# Everyday abbreviations, expanded before matching. A Thai letter must not come just before
# (so "สน." or "อ.ส.ม." are not touched) and, for "ม.", a digit must not (3 ม. is metres).
_START = (r"(?:(?<![\u0e01-\u0e4e])|(?<=อยู่)|(?<=ที่)|(?<=แถว)|(?<=หน้า)|(?<=ใกล้)|(?<=ย่าน)"
          r"|(?<=เรียน)|(?<=ไป)|(?<=จาก)|(?<=ใน))")
_ABBREVIATIONS = (
    (re.compile(_START + r"ถ\.\s*"), "ถนน"),
    (re.compile(_START + r"ซ\.\s*"), "ซอย"),
    (re.compile(_START + r"รพ\.?\s*(?=[\u0e01-\u0e4e])"), "โรงพยาบาล"),
    (re.compile(_START + r"ร\.?ร\.\s*"), "โรงเรียน"),
    (re.compile(_START + r"(?<!\d)(?<!\d )ม\.\s*(?=[\u0e01-\u0e4e])"), "มหาวิทยาลัย"),
    (re.compile(r"มหาลัย|มหาวิทยาลัย"), "มหาวิทยาลัย"),
    # one-letter kind words, only with their dot and a name after ("จ.เลย", "อ. ปาย")
    (re.compile(_START + r"จ\.\s*(?=[\u0e01-\u0e4e])"), "จังหวัด"),
    (re.compile(_START + r"อ\.\s*(?=[\u0e01-\u0e4e])"), "อำเภอ"),
    (re.compile(_START + r"ต\.\s*(?=[\u0e01-\u0e4e])"), "ตำบล"),
)
# Tone marks and other signs people leave out, and letters that sound the same.
_SKELETON = str.maketrans({"่": None, "้": None, "๊": None, "๋": None, "็": None, "์": None,
                           "ํ": None, "ษ": "ส", "ศ": "ส", "ธ": "ท", "ฑ": "ท", "ฒ": "ท",
                           "ณ": "น", "ฬ": "ล", "ญ": "ย", "ภ": "พ", "ฐ": "ถ", "ฎ": "ด",
                           "ฏ": "ต", "ฆ": "ค", "ฌ": "ช"})
# Words just before a name that make an everyday word a place ("อยู่ตาก", "จังหวัดเลย").
_CUES = ("จังหวัด", "อำเภอ", "เขต", "แขวง", "ตำบล",
         "อยู่", "แถว", "ย่าน", "มาจาก", "ไปที่", "ที่จังหวัด", "เมือง")


@dataclass(frozen=True)
class Place:
    """A named place with a point to measure from (``kind`` as in the module docstring).

    ``category`` says what a landmark is: market, mall, rail (BTS/MRT/train station),
    university, hospital, soi, road, airport, park, landmark; empty for the other kinds.
    """

    name_th: str
    kind: str  # 'province'|'district'|'khet'|'khwaeng'|'subdistrict'|'landmark'|a skill's kind
    province_th: str
    district_th: str | None
    lat: float
    lon: float
    code: str | None
    category: str = ""


def _fold(text: str) -> str:
    return re.sub(r"[\s.\-]", "", normalize(text)).lower()


def _skeleton(folded: str) -> str:
    return folded.translate(_SKELETON)


def _latin(text: str) -> str:
    """Romanised name as a key: lower case letters and digits, words joined by one space."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _expand(text: str) -> str:
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return text


def _rep_points(layer, code_field: str) -> dict[str, tuple[float, float]]:
    out = {}
    for props, geom in zip(layer.props, layer.geoms, strict=True):
        p = geom.representative_point()
        out[props[code_field]] = (round(p.y, 6), round(p.x, 6))
    return out


def _read(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _skill_words(role: str) -> list[gazetteer.PlaceWord]:
    return [w for w in gazetteer.place_words() if role in w.roles]


@lru_cache(maxsize=1)
def common_words() -> tuple[frozenset[str], tuple[str, ...]]:
    """(place names that need a cue, words that are never places) from common_words.csv and
    the skills' service words."""
    rows = _read(COMMON_WORDS_FILE)
    cue = frozenset(_fold(r["word"]) for r in rows if r["role"] == "cue")
    never = {_fold(r["word"]) for r in rows if r["role"] == "not_place"}
    never |= {_fold(w.word) for w in _skill_words("not_place")}
    return cue, tuple(sorted(never, key=len, reverse=True))


@lru_cache(maxsize=1)
def _prefixes() -> tuple[str, ...]:
    """Kind words written before a name, the kernel's then the skills' (first fit wins)."""
    return _PREFIXES + tuple(w.word for w in _skill_words("prefix"))


@lru_cache(maxsize=1)
def _kind_hints() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(folded word, kinds it means), the kernel's then the skills' (first fit wins)."""
    return tuple((_fold(word), kinds) for word, kinds in _KIND_HINTS) + tuple(
        (_fold(w.word), (w.kind,)) for w in _skill_words("kind_hint"))


@lru_cache(maxsize=1)
def _cue_endings() -> tuple[str, ...]:
    """Cue words as the text before a name may end: folded, and as skeletons."""
    cues = _CUES + tuple(w.word for w in _skill_words("place_cue"))
    return tuple(dict.fromkeys(form for c in cues for form in (_fold(c), _skeleton(_fold(c)))))


@lru_cache(maxsize=1)
def _contributed() -> tuple[tuple[Place, tuple[str, ...]], ...]:
    """Places the installed skills contribute, with their aliases."""
    return tuple((Place(g.name_th, g.kind, g.province_th, g.parent_th, g.lat, g.lon,
                        g.code or None), g.aliases)
                 for g in gazetteer.load_places() if g.skill)


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
            continue  # skills' places come with their own points below
        if pt is not None:
            places.append(Place(g.name_th, kind, g.province_th, district, pt[0], pt[1], g.code))
    places.extend(place for place, _ in _contributed())
    for r in _read(LANDMARKS_FILE):
        places.append(Place(r["name_th"], "landmark", r["province_th"], r["district_th"],
                            float(r["lat"]), float(r["lon"]), None,
                            r.get("category") or "landmark"))
    return tuple(places)


def _english_names() -> list[tuple[str, str]]:
    """(romanised name, P-code) from the boundary layers, e.g. ("Lat Phrao", "TH1038")."""
    lay = layers()
    out = []
    for props in lay.districts.props:
        out.append((props.get("ADM2_EN") or "", props["ADM2_PCODE"]))
        out.append((props.get("ADM1_EN") or "", "PROVINCE:" + props["ADM1_TH"]))
    for props in lay.khwaeng.props:
        out.append((props.get("ADM3_EN") or "", props["ADM3_PCODE"]))
    return [(n, c) for n, c in out if n]


@dataclass(frozen=True)
class _Index:
    by_name: dict[str, list[Place]]      # folded Thai name → places
    by_skeleton: dict[str, list[Place]]  # skeleton → places
    by_latin: dict[str, list[Place]]     # romanised words → places
    longest: int
    latin_longest: int


@lru_cache(maxsize=1)
def _index() -> _Index:
    by_name: dict[str, list[Place]] = defaultdict(list)
    by_latin: dict[str, list[Place]] = defaultdict(list)

    def add(name: str, place: Place) -> None:
        if re.search(r"[a-z]", name.lower()) and not re.search(r"[\u0e01-\u0e4e]", name):
            key = _latin(name)
            if len(key.replace(" ", "")) >= 3 and place not in by_latin[key]:
                by_latin[key].append(place)
            return
        key = _fold(_expand(name))
        if len(key) >= MIN_NAME and place not in by_name[key]:
            by_name[key].append(place)

    places = all_places()
    aliases = dict(_contributed())
    for place in places:
        add(place.name_th, place)
        for alias in aliases.get(place, ()):  # "ลุมพินี" for สน.ลุมพินี
            add(alias, place)
    landmarks = defaultdict(list)
    for p in places:
        if p.kind == "landmark":
            landmarks[p.name_th].append(p)
    for r in _read(LANDMARKS_FILE):
        for alias in filter(None, r["aliases"].split("|")):
            for p in landmarks[r["name_th"]]:
                if p.district_th == r["district_th"]:
                    add(alias, p)
    by_code = {p.code: p for p in places if p.code and p.kind in ADMIN_KINDS}
    provinces = {p.name_th: p for p in places if p.kind == "province"}
    for r in _read(ALIASES_FILE):
        target = [p for p in places if p.name_th == r["name_th"] and p.kind in
                  ((r["kind"],) if r["kind"] == "province" else ("district", "khet"))
                  and p.province_th == r["province_th"]]
        for p in target:
            add(r["alias"], p)
    for name, code in _english_names():
        target = provinces.get(code[9:]) if code.startswith("PROVINCE:") else by_code.get(code)
        if target is not None:
            add(name, target)
    by_skeleton: dict[str, list[Place]] = defaultdict(list)
    for key, ps in by_name.items():
        for p in ps:
            if p not in by_skeleton[_skeleton(key)]:
                by_skeleton[_skeleton(key)].append(p)
    return _Index(dict(by_name), dict(by_skeleton), dict(by_latin), max(map(len, by_name)),
                  max(len(k.split()) for k in by_latin))


@lru_cache(maxsize=1)
def _long_skeletons() -> dict[str, list[Place]]:
    return {k: v for k, v in _index().by_skeleton.items() if len(k) >= MIN_SKELETON}


# A word written just before a name says which kind of place is meant ("เขตบางกะปิ").
_KIND_HINTS = (("อำเภอ", ("district", "khet")), ("อ.", ("district", "khet")),
               ("เขต", ("khet", "district")), ("แขวง", ("khwaeng", "subdistrict")),
               ("ตำบล", ("subdistrict", "khwaeng")), ("ต.", ("subdistrict", "khwaeng")),
               ("จังหวัด", ("province",)), ("จ.", ("province",)))


def _hinted(before: str, places: list[Place]) -> list[Place]:
    for word, kinds in _kind_hints():
        if before.endswith(word):
            narrowed = [p for p in places if p.kind in kinds]
            return narrowed or places
    return places


def _without_never(folded: str) -> str:
    """The text with particles and service words cut out ("|" marks each cut)."""
    _, never = common_words()
    for word in never:
        folded = folded.replace(word, "|")
    return folded


@lru_cache(maxsize=1)
def _cue_keys() -> frozenset[str]:
    """Everyday-word names, folded and as skeletons (both tables are searched)."""
    cue, _ = common_words()
    return cue | {_skeleton(w) for w in cue}


def _cued(before: str, name: str, whole: str, answer: bool) -> bool:
    """May an everyday word (``name``) be read as a place here?"""
    if before.endswith(_cue_endings()):
        return True
    return answer and _without_never(whole).strip("|") == name


def _exact(text: str, table: dict[str, list[Place]], longest: int,
           answer: bool = False) -> list[tuple[str, list[Place]]]:
    """Names found in the text, longest first, not overlapping."""
    cue_words = _cue_keys()
    found: list[tuple[int, int, str]] = []
    n = len(text)
    for start in range(n):
        for end in range(min(n, start + longest), start + MIN_NAME - 1, -1):
            name = text[start:end]
            if name in table:
                if name in cue_words and not _cued(text[:start], name, text, answer):
                    continue
                found.append((start, end, name))
                break
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int]] = []
    out = []
    for start, end, name in found:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        out.append((name, _hinted(text[:start], table[name])))
    return out


def _latin_matches(text: str) -> list[tuple[str, list[Place]]]:
    """Romanised names as whole words ("lat phrao", "latphrao", "siam paragon")."""
    idx = _index()
    words = _latin(text).split()
    joined = {k.replace(" ", ""): k for k in idx.by_latin}
    out: list[tuple[str, list[Place]]] = []
    i = 0
    while i < len(words):
        for size in range(min(idx.latin_longest, len(words) - i), 0, -1):
            chunk = words[i:i + size]
            key = " ".join(chunk)
            hit = idx.by_latin.get(key) or idx.by_latin.get(joined.get("".join(chunk), ""))
            if hit:
                out.append((key, hit))
                i += size
                break
        else:
            i += 1
    return out


@lru_cache(maxsize=1)
def _fuzzy_prefixes() -> tuple[str, ...]:
    """Kind words as skeletons, those long enough not to be a name's first letter ("อ.")."""
    return tuple(_skeleton(_fold(w)) for w in _prefixes() if len(w) > 2)


def _fuzzy(folded: str, limit: int) -> list[tuple[str, list[Place]]]:
    """Typing mistakes: the leftover words against names, by edit distance on skeletons."""
    idx = _index()
    cue_words = _cue_keys()
    skeletons = [k for k in idx.by_skeleton if len(k) >= MIN_FUZZY_KIND and k not in cue_words]
    best: list[tuple[int, str]] = []
    for chunk in filter(None, _without_never(folded).split("|")):
        chunk = _skeleton(chunk)
        shortest = MIN_FUZZY
        for kind_word in _fuzzy_prefixes():  # "อำเภอแม่ริน": compare the name without it
            if chunk.startswith(kind_word):
                chunk = chunk[len(kind_word):] or chunk
                shortest = MIN_FUZZY_KIND
                break
        if len(chunk) < shortest - 1:
            continue
        top = 2 if len(chunk) >= 10 else 1
        for name, dist, _ in process.extract(chunk, skeletons, scorer=Levenshtein.distance,
                                             limit=limit, score_cutoff=top):
            if len(name) >= shortest:
                best.append((int(dist), name))
        if not best and len(chunk) > 8:
            # a name inside a longer leftover ("ลาดพราวซอยสิบ"): partial match of long names
            for name, score, _ in process.extract(chunk, skeletons, scorer=fuzz.partial_ratio,
                                                  limit=limit, score_cutoff=FUZZY_CUTOFF):
                if 8 <= len(name) <= len(chunk):
                    best.append((1 if score < 100 else 0, name))
    if not best:
        return []
    low = min(d for d, _ in best)
    names = list(dict.fromkeys(n for d, n in best if d == low))
    return [(n, idx.by_skeleton[n]) for n in names]


def _collapse(places: list[Place]) -> list[Place]:
    """One name meaning nested places of one district counts as one place: keep the finest.

    แขวงลาดพร้าว, เขตลาดพร้าว and สน.ลาดพร้าว are one answer; แขวงบางกะปิ (in เขตห้วยขวาง)
    and เขตบางกะปิ are two.
    """
    districts = {(p.province_th, p.district_th or p.name_th) for p in places if p.kind != "province"}
    if len(districts) == 1 and len({p.kind for p in places}) == len(places):
        return [min(places, key=lambda p: SPECIFICITY.get(p.kind, CONTRIBUTED_SPECIFICITY))]
    return places


def resolve_place(text: str, limit: int = 5, *, answer: bool = False) -> list[Place]:
    """Places named in ``text``: one means found, several mean ambiguous, none means unknown.

    ``answer=True`` when the text replies to "which place?": a bare everyday word that is
    also a place name ("ตาก") then counts as that place.

    >>> [(p.name_th, p.kind) for p in resolve_place("อยู่ลาดพร้าว แจ้งความที่ไหน")]
    [('ลาดพร้าว', 'khwaeng')]
    """
    if not text or not text.strip():
        return []
    expanded = _expand(normalize(text))
    folded = _fold(expanded)
    idx = _index()
    matches = _exact(folded, idx.by_name, idx.longest, answer) if folded else []
    matches += _latin_matches(expanded)
    if not matches and folded:
        skel = _skeleton(folded)
        long_names = _long_skeletons()
        matches = _exact(skel, long_names, idx.longest, answer)
    if not matches and folded:
        matches = _fuzzy(folded, limit)
    if not matches:
        return []
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
    if len(results) > 1 and len(matches) > 1 and _together(results):
        # "ซอยพหลโยธิน 7 แถวอารีย์": two names for one spot; the longest name says it best
        results = results[:1]
    return results[:limit]


NEARBY_M = 1500


def _together(places: list[Place]) -> bool:
    """Are all these places within ``NEARBY_M`` of each other (one spot, named twice)?"""
    return all(p.kind != "province" for p in places) and all(
        haversine_m(a.lat, a.lon, b.lat, b.lon) <= NEARBY_M
        for i, a in enumerate(places) for b in places[i + 1:])
