"""Recognise danger happening now and pick the hotlines to give, most urgent first.

Shared by the engine (a pipeline component that makes sure such messages are classified
as ``emergency`` whatever the statistical classifier thinks) and the action server (which
writes the answer). The phrases, the calm markers and the numbers are data in
``bot/kernel/data/emergency.yml``, which explains how a message is read.

>>> [c.hotline for c in triage("ช่วยด้วย โดนปล้นอยู่ตอนนี้").calls]
['191']
>>> [c.hotline for c in triage("ไฟไหม้บ้านข้างๆ มีคนหมดสติ").calls]
['199', '1669']
>>> [c.hotline for c in triage("ไม่อยากอยู่แล้ว เหนื่อยมาก").calls]
['1323']
>>> triage("ภาษีป้ายเท่าไหร่") is None, triage("ชักโครกตัน ช่างอยู่ไหน") is None
(True, True)
>>> triage("ไฟไหม้ต้องโทรเบอร์อะไร") is None  # a calm question, not a fire
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.kernel.text import normalize

DATA = Path(__file__).resolve().parent / "data" / "emergency.yml"
THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
LATIN_WORD = re.compile(r"[a-z][a-z']*")
# The calm marker groups that excuse a plea, and that make a learned "emergency" doubtful.
CALM_GROUPS = ("past", "which_number", "info", "study", "media")


@dataclass(frozen=True)
class Call:
    """A number to call and the kind of danger it is for (Thai label)."""

    hotline: str
    label_th: str


@dataclass(frozen=True)
class Triage:
    """What a danger-now message needs: ``calls[0]`` is the number to give first."""

    kinds: tuple[str, ...]
    calls: tuple[Call, ...]

    @property
    def self_harm(self) -> bool:
        """The message speaks of ending one's life or harming oneself."""
        return any(k.startswith("self_harm") for k in self.kinds)


@dataclass(frozen=True)
class Reading:
    """Everything the rules see in a message: the danger (if any) and why it was excused."""

    triage: Triage | None
    excused: bool  # danger words were there, but a calm marker said it is not happening now
    urgent: bool
    calm: bool  # a calm marker (past, a question for information, a book) and no urgency word
    innocent: bool = False  # an everyday compound with a danger word in it ("ขำจะตาย")


@lru_cache(maxsize=1)
def _rules() -> dict:
    import yaml

    with open(DATA, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _is_ascii(phrase: str) -> bool:
    return phrase.isascii()


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern:
    # English is matched as whole words ("shot" is not in "screenshot"); Thai has no spaces
    # between words, so a Thai phrase is matched anywhere.
    escaped = re.escape(phrase)
    return re.compile(rf"(?<![a-z]){escaped}(?![a-z])" if _is_ascii(phrase) else escaped)


def _spans(folded: str, phrase: str) -> list[tuple[int, int]]:
    return [m.span() for m in _pattern(phrase).finditer(folded)]


def _has_any(folded: str, phrases: list[str]) -> bool:
    """Any of ``phrases`` in ``folded``; "a+b" means both a and b somewhere in it."""
    return any(all(_pattern(part).search(folded) for part in p.split("+")) for p in phrases)


def _folded(text: str) -> str:
    """Normalised, lower-cased, innocent compounds blanked (same length, so spans hold).

    An innocent compound stays when a longer danger phrase overlaps it: "ตายแน่" must not
    blank out "ฆ่าตัวตาย" in "จะฆ่าตัวตายแน่ๆ".
    """
    folded = normalize(text).lower()
    if not _has_any(folded, _rules()["innocent"]):
        return folded
    danger = _all_matches(folded)
    for word in sorted(_rules()["innocent"], key=len, reverse=True):
        for s, e in _spans(folded, word):
            if not any(s2 < e and s < e2 and e2 - s2 >= e - s for _, s2, e2 in danger):
                folded = folded[:s] + "_" * (e - s) + folded[e:]
    return folded


def _all_matches(folded: str) -> list[tuple[str, int, int]]:
    return [(kind["id"], s, e) for kind in _rules()["kinds"]
            for p in kind["phrases"] + kind.get("en", []) for s, e in _spans(folded, p)]


def _matches(folded: str) -> list[tuple[str, int, int]]:
    """``(kind id, start, end)`` of every danger phrase not inside a longer matched phrase."""
    found = _all_matches(folded)
    return [(k, s, e) for k, s, e in found
            if not any(s2 <= s and e <= e2 and e2 - s2 > e - s for _, s2, e2 in found)]


def _calm(folded: str, groups: list[str]) -> bool:
    markers = _rules()["calm"]
    return any(_has_any(folded, markers[g]) for g in groups)


def _bare_plea(folded: str) -> bool:
    """The message is a plea and (almost) nothing else: "ฉุกเฉินค่ะ!", "Help!"."""
    rules = _rules()
    if not _has_any(folded, rules["bare_pleas"]):
        return False
    rest = folded
    for word in sorted(rules["bare_pleas"] + rules["bare_fillers"], key=len, reverse=True):
        rest = _pattern(word).sub("", rest)
    return not rest.strip()


def read(text: str) -> Reading:
    """The danger ``text`` describes now, if any, and whether danger words were excused."""
    rules, folded = _rules(), _folded(text)
    urgent = _has_any(folded, rules["urgent"])
    calm = not urgent and _calm(folded, CALM_GROUPS)
    matched = {k for k, _, _ in _matches(folded)}
    kinds, calls, excused = [], [], False
    for kind in rules["kinds"]:
        if kind["id"] not in matched:
            continue
        if not urgent and _calm(folded, kind["calm_if"]):
            excused = True
            continue
        kinds.append(kind["id"])
        for number in [kind["hotline"], *kind.get("also", [])]:
            if all(c.hotline != number for c in calls):
                calls.append(Call(number, kind["label_th"]))
    if kinds:
        return Reading(Triage(tuple(kinds), tuple(calls)), excused, urgent, calm)
    if _bare_plea(folded):
        return Reading(plea(), excused, urgent, calm)
    if _has_any(folded, rules["pleas"]):
        if not calm:
            return Reading(plea(), excused, urgent, calm)
        excused = True
    innocent = _has_any(normalize(text).lower(), rules["innocent"])
    return Reading(None, excused, urgent, calm, innocent)


def service_may_answer(found: Triage) -> bool:
    """Every kind of danger found may be left to a service the classifier is sure of."""
    allowed = {k["id"] for k in _rules()["kinds"] if k.get("service_may_answer")}
    return all(kind in allowed or kind == "unspecified" for kind in found.kinds)


def triage(text: str) -> Triage | None:
    """The kinds of danger ``text`` describes, or ``None`` if it describes none now.

    A plea for help ("ช่วยด้วย") counts, with the general emergency numbers.
    """
    return read(text).triage


def phrase_span(text: str) -> tuple[int, int] | None:
    """Where the first danger phrase or plea is in ``text`` (already normalised), if any.

    >>> phrase_span("ช่วยด้วย มีคนหมดสติ")
    (0, 8)
    """
    rules, folded = _rules(), _folded(text)
    found = [(s, -(e - s)) for _, s, e in _matches(folded)]
    found += [(s, -(e - s)) for p in rules["pleas"] + rules["bare_pleas"]
              for s, e in _spans(folded, p)]
    if not found:
        return None
    start, minus_length = min(found)
    return start, min(len(text), start - minus_length)


def first_calls() -> list[str]:
    """Every number that can come first in an emergency answer, in the data's order."""
    rules = _rules()
    numbers = [k["hotline"] for k in rules["kinds"]] + list(rules["plea_calls"][:1])
    return list(dict.fromkeys(numbers))


def call_text(number: str) -> str:
    """The first line of an emergency answer for ``number``.

    >>> call_text("1669")
    'โทร 1669 ทันที: เจ็บป่วยฉุกเฉิน สถาบันการแพทย์ฉุกเฉินแห่งชาติ'
    """
    from bot.kernel.hotlines import name

    return _rules()["call_th"].format(hotline=number, name=name(number))


def call_text_en(number: str) -> str:
    """The same line in English, for a message written in English.

    >>> call_text_en("1669")
    'Call 1669 now: emergency medical services'
    """
    from bot.kernel.hotlines import record

    return _rules()["call_en"].format(hotline=number, name=record(number)["name_en"])


def plea() -> Triage:
    """The answer to a plea for help that names no kind of danger."""
    labels = {k["hotline"]: k["label_th"] for k in _rules()["kinds"]}
    return Triage(("unspecified",), tuple(Call(n, labels[n]) for n in _rules()["plea_calls"]))


def is_urgent(text: str) -> bool:
    """True when ``text`` carries a word saying the danger is happening now."""
    return _has_any(_folded(text), _rules()["urgent"])


def is_english(text: str) -> bool:
    """True for a message written in English: no Thai letters, and common English words or
    an English danger phrase in it.

    >>> is_english("my friend is not breathing"), is_english("Fire!"), is_english("SALE 50%")
    (True, True, False)
    >>> is_english("help ด้วย"), is_english("ok")
    (False, False)
    """
    lowered = normalize(text).lower()
    if THAI_LETTER.search(lowered):
        return False
    words = LATIN_WORD.findall(lowered)
    common = set(_rules()["english_words"])
    danger = [p for kind in _rules()["kinds"] for p in kind.get("en", [])]
    return len(words) >= 3 or any(w in common for w in words) or _has_any(lowered, danger)
