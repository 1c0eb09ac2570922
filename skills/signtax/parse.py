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

from bot.kernel.text import normalize, thai_digits_to_arabic

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
def _unit_lookup() -> dict[str, str]:
    return {n.lower(): unit for unit, names in words()["units"].items() for n in names}


@lru_cache(maxsize=1)
def _unit_alt() -> str:
    """Every unit spelling as a regex alternation, longest first."""
    return "|".join(re.escape(s) for s in sorted(_unit_lookup(), key=len, reverse=True))


@lru_cache(maxsize=1)
def _unit_pattern() -> tuple[re.Pattern, dict[str, str]]:
    # a unit must not run on into a Thai or Latin word ("3 มิ.ย." is not 3 metres)
    return re.compile(rf"\s*({_unit_alt()})(?![{_THAI}a-z])"), _unit_lookup()


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
    lone: list[float] = field(default_factory=list)  # sizes with a unit but no side, in cm
    assumed: str | None = None  # the unit assumed for a bare number after "how big"
    side: str | None = None  # a side question asked inside the form ("ต้องจ่ายที่ไหน")


_DIGIT_WORDS = {"หนึ่ง": 1, "เอ็ด": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6,
                "เจ็ด": 7, "แปด": 8, "เก้า": 9}
_DW = "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"(?:(?P<h>{_DW})?ร้อย)?(?:(?P<t>{_DW}|ยี่)?สิบ)?(?P<u>{_DW})?(?:จุด(?P<d>(?:{_DW}|ศูนย์)+))?")
# a number word is read as a number only next to a size: before a unit, "คูณ", "x" or
# "ครึ่ง", or after "กว้าง"/"ยาว"/"คูณ" (so "สองภาษา" and "ห้าง" stay words)
_BEFORE_SIZE = re.compile(r"\s*(?:คูณ|x|×|ครึ่ง)")
_AFTER_SIZE = re.compile(r"(?:กว้าง|ยาว|สูง|คูณ|x|×)\s*$")


def _word_value(m: re.Match) -> float | None:
    if not m.group(0) or m.group(0) in ("ยี่",):
        return None
    value = 0.0
    if "ร้อย" in m.group(0):
        value += 100 * _DIGIT_WORDS.get(m.group("h") or "หนึ่ง", 1)
    if "สิบ" in m.group(0).split("จุด")[0]:
        value += 10 * (2 if m.group("t") == "ยี่" else _DIGIT_WORDS.get(m.group("t") or "หนึ่ง", 1))
    if m.group("u"):
        value += _DIGIT_WORDS[m.group("u")]
    if m.group("d"):
        digits = re.findall(rf"{_DW}|ศูนย์", m.group("d"))
        value += float("0." + "".join(str(_DIGIT_WORDS.get(d, 0)) for d in digits))
    return value


def _spell_numbers(t: str) -> str:
    """Thai number words that give a size ("สองคูณสาม", "หนึ่งเมตรครึ่ง") as digits."""
    unit = re.compile(rf"\s*(?:{_unit_alt()})(?:ครึ่ง|(?![{_THAI}a-z]))")
    out, pos = [], 0
    for m in _NUMBER_WORDS.finditer(t):
        if not m.group(0) or m.start() < pos:
            continue
        value = _word_value(m)
        if value is None:
            continue
        after = t[m.end():]
        if not (unit.match(after) or _BEFORE_SIZE.match(after)
                or _AFTER_SIZE.search(t[:m.start()])):
            continue
        out.append(t[pos:m.start()])
        out.append(f" {value:g} ")
        pos = m.end()
    out.append(t[pos:])
    return "".join(out)


def _halves(t: str) -> str:
    """"1 เมตรครึ่ง" → 1.5 เมตร, "เมตรครึ่ง" → 1.5 เมตร, "ครึ่งเมตร" → 0.5 เมตร."""
    alt = _unit_alt()
    t = re.sub(rf"{_NUM}\s*({alt})\s*ครึ่ง",
               lambda m: f"{_number(m.group(1)) + 0.5:g} {m.group(2)}", t)
    t = re.sub(r"(?<![\d.\s])(\s*)(เมตร|เมต)\s*ครึ่ง", r"\1 1.5 \2", t)
    return re.sub(rf"ครึ่ง\s*({alt})(?![{_THAI}a-z])", r" 0.5 \1", t)


def clean(text: str) -> str:
    """Normalised, lower-case, Arabic digits (also from number words next to a size),
    ``×``/``*``/``คูณ`` as ``x``."""
    t = thai_digits_to_arabic(normalize(text or "")).lower()
    t = _halves(_spell_numbers(t))
    return re.sub(r"\s*(?:[×*✕]|คูณ)\s*|(?<=\d)\s*by\s*(?=\d)", " x ", t)


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


def guess_unit(*values: float) -> str:
    """The unit of sizes typed without one."""
    # Without a unit: signs are rarely over 20 m or under 20 cm on a side.
    return "m" if max(values) <= 20 else "cm"


def _sizes(clause: str, taken: list[tuple[int, int]] | None = None
           ) -> list[tuple[int, Mention]]:
    """``(position, mention with sizes)`` for each size in the clause, in order; the spans
    read are added to ``taken``."""
    found: list[tuple[int, Mention]] = []
    taken = [] if taken is None else taken
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
            u1 = u2 = guess_unit(a, b)
            mention.assumed_unit = u1
        mention.width_cm, _ = _to_cm(a, u1, u2)
        mention.length_cm, _ = _to_cm(b, u2, u1)
        found.append((m.start(), mention))
        taken.append((m.start(), max(end2, second_start)))
    for kind in ("width_words", "length_words"):
        alt = "|".join(re.escape(w) for w in sorted(words()[kind], key=len, reverse=True))
        for m in re.finditer(rf"(?:{alt})\s*(?:(?:แก้)?เป็น|ประมาณ|ราว|=|:)?\s*{_NUM}", clause):
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
        unit = guess_unit(value)
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


def _lone(clause: str, taken: list[tuple[int, int]]) -> list[float]:
    """Sizes with a unit that are neither a pair nor a named side ("80 ซม.", "5 เมตร"), in cm."""
    out = []
    for m in re.finditer(_NUM, clause):
        if any(a <= m.start() < b for a, b in taken) or (
                m.start() and clause[m.start() - 1] in ".,"):
            continue
        unit, end = _unit_at(clause, m.end())
        if unit is not None:
            out.append(round(_number(m.group(1)) * CM_PER[unit], 2))
    return out


def _sign_type(clause: str) -> str | None:
    """The law's type from the listed words, else from the languages named: a foreign
    language with Thai is type 2, without Thai type 3 ("ป้ายอังกฤษ")."""
    w = words()
    for sign_type in ("3", "2", "1"):
        if _has(clause, w["type_words"][sign_type]):
            return sign_type
    if _has(clause, w["foreign_words"]):
        return "2" if "ไทย" in clause else "3"
    return None


def _attributes(clause: str, today: date) -> Mention:
    w = words()
    m = Mention()
    m.sign_type = _sign_type(clause)
    # "not moving" first (it contains "moving"), then moving ("ป้ายไฟวิ่ง" contains "ป้ายไฟ"),
    # then the everyday names of fixed signs
    if _has(clause, w["not_moving_words"]):
        m.moving = False
    elif _has(clause, w["moving_words"]):
        m.moving = True
    elif _has(clause, w["fixed_words"]):
        m.moving = False
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
    out.side = next((k for k, ws in w["side_questions"].items() if _has(t.replace(" ", ""), [
        x.replace(" ", "") for x in ws])), None)
    bare = re.fullmatch(r"\s*(?:ข้อ|เลือก|หมายเลข|ตัวเลือก)?\s*(\d{1,2})\s*\.?\s*", t)
    if bare:
        out.number = int(bare.group(1))
        return out
    mentions: list[Mention] = []
    for clause in _clauses(t):
        attrs = _attributes(clause, today)
        taken: list[tuple[int, int]] = []
        sizes = _sizes(clause, taken)
        out.lone += _lone(clause, taken)
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
