"""Recognise danger happening now and pick the hotlines to give, most urgent first.

Shared by the engine (a pipeline component that makes sure such messages are classified
as ``emergency`` whatever the statistical classifier thinks) and the action server (which
writes the answer). The phrases and numbers are data in ``bot/data/emergency.yml``.

>>> [c.hotline for c in triage("ช่วยด้วย โดนปล้นอยู่ตอนนี้").calls]
['191']
>>> [c.hotline for c in triage("ไฟไหม้บ้านข้างๆ มีคนหมดสติ").calls]
['199', '1669']
>>> triage("ภาษีป้ายเท่าไหร่") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.text import normalize

DATA = Path(__file__).resolve().parent / "data" / "emergency.yml"


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


@lru_cache(maxsize=1)
def _rules() -> dict:
    import yaml

    with open(DATA, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _folded(text: str) -> str:
    return normalize(text).lower()


def triage(text: str) -> Triage | None:
    """The kinds of danger ``text`` describes, or ``None`` if it describes none.

    A bare plea for help ("ช่วยด้วย") counts, with the general emergency numbers.
    """
    rules, folded = _rules(), _folded(text)
    kinds, calls = [], []
    for kind in rules["kinds"]:
        if any(p in folded for p in kind["phrases"]):
            kinds.append(kind["id"])
            if all(c.hotline != kind["hotline"] for c in calls):
                calls.append(Call(kind["hotline"], kind["label_th"]))
    if kinds:
        return Triage(tuple(kinds), tuple(calls))
    if any(p in folded for p in rules["pleas"]):
        return plea()
    return None


def phrase_span(text: str) -> tuple[int, int] | None:
    """Where the first danger phrase or plea is in ``text`` (already normalised), if any.

    >>> phrase_span("ช่วยด้วย มีคนหมดสติ")
    (0, 8)
    """
    rules, folded = _rules(), _folded(text)
    phrases = [p for kind in rules["kinds"] for p in kind["phrases"]] + list(rules["pleas"])
    found = [(folded.find(p), -len(p)) for p in phrases if p in folded]
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
    from bot.hotlines import name

    return _rules()["call_th"].format(hotline=number, name=name(number))


def plea() -> Triage:
    """The answer to a plea for help that names no kind of danger."""
    labels = {k["hotline"]: k["label_th"] for k in _rules()["kinds"]}
    return Triage(("unspecified",), tuple(Call(n, labels[n]) for n in _rules()["plea_calls"]))


def is_urgent(text: str) -> bool:
    """True when ``text`` carries a word saying the danger is happening now."""
    folded = _folded(text)
    return any(m in folded for m in _rules()["urgent_markers"])
