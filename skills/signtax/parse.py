"""Read sign descriptions from ordinary Thai text: sizes, units, type, moving/fixed, exemptions.

    >>> [ (m.width_cm, m.length_cm, m.sign_type) for m in parse("ป้ายไทยปนอังกฤษ กว้าง 1.5 เมตร ยาว 3 เมตร").mentions]
    [(150.0, 300.0, '2')]
    >>> [ (m.width_cm, m.length_cm) for m in parse("๕๐x๑๐๐ เซน").mentions]
    [(50.0, 100.0)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from bot.text import normalize, thai_digits_to_arabic

DATA = Path(__file__).resolve().parent / "data"
CM_PER = {"m": 100.0, "cm": 1.0, "mm": 0.1, "inch": 2.54}
_NUM = r"(\d+(?:[.,]\d+)?)"
_THAI = "\u0e01-\u0e4e"


@lru_cache(maxsize=1)
def words() -> dict:
    return yaml.safe_load((DATA / "words_th.yml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def exemptions() -> dict:
    return yaml.safe_load((DATA / "exemptions.yml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _unit_pattern() -> tuple[re.Pattern, dict[str, str]]:
    lookup, spellings = {}, []
    for unit, names in words()["units"].items():
        for n in names:
            lookup[n.lower()] = unit
            spellings.append(n.lower())
    spellings.sort(key=len, reverse=True)
    # a unit must not run on into a Thai or Latin word ("3 มิ.ย." is not 3 metres)
    alt = "|".join(re.escape(s) for s in spellings)
    return re.compile(rf"\s*({alt})(?![{_THAI}a-z])"), lookup


@dataclass
class Mention:
    """One sign (or a change to one) found in a message; ``None`` means not said."""

    width_cm: float | None = None
    length_cm: float | None = None
    sign_type: str | None = None
    moving: bool | None = None
    exemption: str | None = None
    installed_on: date | None = None
    assumed_unit: str | None = None  # set when no unit was given and one was assumed
    only_length: bool = False  # "ยาว 2 เมตร" alone: a change to one side

    @property
    def has_size(self) -> bool:
        return self.width_cm is not None or self.length_cm is not None

    @property
    def empty(self) -> bool:
        return not self.has_size and self.sign_type is None and self.moving is None and (
            self.exemption is None and self.installed_on is None)


@dataclass
class Parsed:
    mentions: list[Mention] = field(default_factory=list)
    correction: bool = False
    cancel: bool = False
    wants_receipt: bool = False
    wants_history: bool = False
    number: int | None = None  # the whole message is a number ("2", "๒"): a numbered choice


def clean(text: str) -> str:
    """Normalised, lower-case, Arabic digits, ``×``/``*`` as ``x``."""
    t = thai_digits_to_arabic(normalize(text or "")).lower()
    return re.sub(r"\s*[×*✕]\s*|(?<=\d)\s*(?:คูณ|by)\s*(?=\d)", " x ", t)


def _has(text: str, items: list[str]) -> bool:
    return any(w.lower() in text for w in items)


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _to_cm(value: float, unit: str | None, other_unit: str | None) -> tuple[float, str | None]:
    unit = unit or other_unit
    if unit is None:
        return value, None
    return round(value * CM_PER[unit], 2), unit


def _unit_at(text: str, pos: int) -> tuple[str | None, int]:
    pattern, lookup = _unit_pattern()
    m = pattern.match(text, pos)
    return (lookup[m.group(1)], m.end()) if m else (None, pos)


def _guess_unit(*values: float) -> str:
    # Without a unit: signs are rarely over 20 m or under 20 cm on a side.
    return "m" if max(values) <= 20 else "cm"


def _sizes(clause: str) -> list[tuple[int, Mention]]:
    """``(position, mention with sizes)`` for each size in the clause, in order."""
    found: list[tuple[int, Mention]] = []
    taken: list[tuple[int, int]] = []
    for m in re.finditer(rf"{_NUM}", clause):
        if any(a <= m.start() < b for a, b in taken):
            continue
        u1, end1 = _unit_at(clause, m.end())
        rest = re.match(rf"\s*x\s*{_NUM}", clause[end1:])
        if not rest:
            continue
        second_start = end1 + rest.start(1)
        u2, end2 = _unit_at(clause, end1 + rest.end())
        a, b = _number(m.group(1)), _number(rest.group(1))
        mention = Mention()
        if u1 is None and u2 is None:
            u1 = u2 = _guess_unit(a, b)
            mention.assumed_unit = u1
        mention.width_cm, _ = _to_cm(a, u1, u2)
        mention.length_cm, _ = _to_cm(b, u2, u1)
        found.append((m.start(), mention))
        taken.append((m.start(), max(end2, second_start)))
    for kind in ("width_words", "length_words"):
        alt = "|".join(re.escape(w) for w in sorted(words()[kind], key=len, reverse=True))
        for m in re.finditer(rf"(?:{alt})\s*(?:ประมาณ|ราว|=|:)?\s*{_NUM}", clause):
            if any(a <= m.start() < b for a, b in taken):
                continue
            unit, end = _unit_at(clause, m.end())
            taken.append((m.start(), end))
            found.append((m.start(), _side(kind, m, unit)))
    found.sort(key=lambda x: x[0])
    return _pair_sides(found)


def _side(kind: str, m: re.Match, unit: str | None) -> Mention:
    value = _number(m.group(1))
    mention = Mention(only_length=kind == "length_words")
    if unit is None:
        unit = _guess_unit(value)
        mention.assumed_unit = unit
    cm = round(value * CM_PER[unit], 2)
    if kind == "width_words":
        mention.width_cm = cm
    else:
        mention.length_cm = cm
    return mention


def _pair_sides(found: list[tuple[int, Mention]]) -> list[tuple[int, Mention]]:
    """Join "กว้าง …" with the following "ยาว …" (or the reverse) into one sign."""
    out: list[tuple[int, Mention]] = []
    for pos, m in found:
        prev = out[-1][1] if out else None
        one_side = (m.width_cm is None) != (m.length_cm is None)
        if prev is not None and one_side and ((prev.width_cm is None) != (prev.length_cm is None)):
            if m.width_cm is not None and prev.width_cm is None:
                prev.width_cm, prev.only_length = m.width_cm, False
                prev.assumed_unit = prev.assumed_unit or m.assumed_unit
                continue
            if m.length_cm is not None and prev.length_cm is None:
                prev.length_cm, prev.only_length = m.length_cm, False
                prev.assumed_unit = prev.assumed_unit or m.assumed_unit
                continue
        out.append((pos, m))
    for _, m in out:  # a side alone that is a width is still "one side"
        if m.width_cm is not None and m.length_cm is None:
            m.only_length = False
    return out


def _attributes(clause: str, today: date) -> Mention:
    w = words()
    m = Mention()
    for sign_type in ("3", "2", "1"):
        if _has(clause, w["type_words"][sign_type]):
            m.sign_type = sign_type
            break
    if _has(clause, w["fixed_words"]):
        m.moving = False
    elif _has(clause, w["moving_words"]):
        m.moving = True
    for key, ex in exemptions()["exemptions"].items():
        if _has(clause, ex["words"]):
            m.exemption = key
            break
    m.installed_on = _installed(clause, today)
    return m


def _installed(clause: str, today: date) -> date | None:
    w = words()
    names = [(n.lower(), month) for month, ns in w["months"].items() for n in ns]
    names.sort(key=lambda x: len(x[0]), reverse=True)
    new = _has(clause, w["new_sign_words"])
    for name, month in names:
        i = clause.find(name)
        if i < 0:
            continue
        day = re.search(r"(\d{1,2})\s*$", clause[:i])
        d = int(day.group(1)) if day and 1 <= int(day.group(1)) <= 31 else 1
        if int(month) > today.month and not new:
            return None  # a future month without "new sign" words is not an installation date
        try:
            return date(today.year, int(month), d)
        except ValueError:
            return date(today.year, int(month), 1)
    m = re.search(r"(?:ติดตั้ง|ติด)\s*(?:เมื่อ)?\s*เดือน(?:ที่)?\s*(\d{1,2})", clause)
    if m and 1 <= int(m.group(1)) <= 12:
        return date(today.year, int(m.group(1)), 1)
    return None


def _clauses(text: str) -> list[str]:
    parts = re.split(r"[\n;,]+|(?:และ|กับ|แล้วก็)?\s*(?=ป้าย)|อีกอัน", text)
    return [p.strip() for p in parts if p and p.strip()]


def parse(text: str, today: date | None = None) -> Parsed:
    """Everything the message says about signs; see the module examples."""
    today = today or date.today()
    t = clean(text)
    w = words()
    out = Parsed(correction=_has(t, w["correction_words"]), cancel=_has(t, w["cancel_words"]),
                 wants_receipt=_has(t, w["receipt_words"]),
                 wants_history=_has(t, w["history_words"]))
    bare = re.fullmatch(r"\s*(?:ข้อ|เลือก|หมายเลข|ตัวเลือก)?\s*(\d{1,2})\s*\.?\s*", t)
    if bare:
        out.number = int(bare.group(1))
        return out
    mentions: list[Mention] = []
    for clause in _clauses(t):
        attrs = _attributes(clause, today)
        sizes = _sizes(clause)
        if not sizes:
            if not attrs.empty:
                mentions.append(attrs)
            continue
        for i, (_, m) in enumerate(sizes):
            # words in the clause describe its first sign (most clauses hold one)
            mentions.append(_merge(m, attrs) if i == 0 else m)
    out.mentions = _attach_loose(mentions)
    return out


def _merge(target: Mention, attrs: Mention) -> Mention:
    return replace(target, **{k: getattr(attrs, k) for k in (
        "sign_type", "moving", "exemption", "installed_on") if getattr(attrs, k) is not None})


def _attach_loose(mentions: list[Mention]) -> list[Mention]:
    """A clause with words but no size ("ป้ายไทยล้วน" then "2x1 เมตร") joins its neighbour."""
    out: list[Mention] = []
    pending: Mention | None = None
    for m in mentions:
        if not m.has_size:
            if pending is None:
                pending = m
            else:
                out.append(pending)
                pending = m
            continue
        if pending is not None and _fits(m, pending):
            m = _merge(m, pending)
            pending = None
        elif pending is not None and out and _fits(out[-1], pending):
            out[-1] = _merge(out[-1], pending)
            pending = None
        elif pending is not None:
            out.append(pending)
            pending = None
        out.append(m)
    if pending is not None:
        if out and out[-1].has_size and _fits(out[-1], pending):
            out[-1] = _merge(out[-1], pending)
        else:
            out.append(pending)
    return out


def _fits(sign: Mention, attrs: Mention) -> bool:
    return all(getattr(sign, k) is None for k in ("sign_type", "moving", "exemption",
                                                   "installed_on")
               if getattr(attrs, k) is not None)
