"""Rider ID codes printed on the vest: eight digits read as two groups, ``4821-0934``.

Why digits only: they are typed on any phone keypad without switching layouts, read aloud
in Thai without spelling Latin letters, and never confused (no O/0, I/1, B/8). The last
digit is a Damm check digit: every single-digit substitution and every swap of two
neighbouring digits changes the check, so a mistyped code is reported as mistyped, never
matched to another rider (``tests/app/test_motortaxi_codes.py`` proves it exhaustively over
the Damm table). Codes never start with 0 so they cannot be mistaken for a phone number.

>>> format_code("48210934")
'4821-0934'
>>> parse("๔๘๒๑ ๐๙๓๔")
'48210934'
"""

from __future__ import annotations

import re
import secrets

from bot.kernel.text import thai_digits_to_arabic

LENGTH = 8  # seven payload digits and one check digit

# The Damm quasigroup of order 10 (weakly totally anti-symmetric, zero diagonal).
DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# Separators people type or that keyboards insert: spaces, dashes of all kinds, dots.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.·_/]+")
# A code inside a sentence: eight digits, optionally grouped 4-4 or 3-5 with one separator.
_IN_TEXT = re.compile(r"(?<![0-9๐-๙])([0-9๐-๙](?:[\s\-\u2010-\u2015\u2212.]?[0-9๐-๙]){7})(?![0-9๐-๙])")


class CodeError(ValueError):
    """A code that cannot be a rider's: ``reason`` is ``format`` or ``check``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def damm(digits: str) -> int:
    """The Damm interim digit of ``digits`` (0 when a code with its check digit is valid)."""
    state = 0
    for ch in digits:
        state = DAMM[state][ord(ch) - 48]
    return state


def with_check(payload: str) -> str:
    """``payload`` (seven digits) followed by its check digit."""
    if len(payload) != LENGTH - 1 or not payload.isascii() or not payload.isdigit():
        raise ValueError("payload must be seven ASCII digits")
    return payload + str(damm(payload))


def new_code(rng: secrets.SystemRandom | None = None) -> str:
    """A fresh random code (no leading zero) with its check digit, as stored (no dash)."""
    rng = rng or secrets.SystemRandom()
    return with_check(str(rng.randrange(10 ** (LENGTH - 2), 10 ** (LENGTH - 1))))


def parse(text: str) -> str:
    """The stored form of a typed code, or ``CodeError``.

    Tolerates spaces, dashes, dots, Thai digits and surrounding text-free whitespace.
    """
    raw = _SEPARATORS.sub("", thai_digits_to_arabic(text.strip()))
    if len(raw) != LENGTH or not raw.isascii() or not raw.isdigit() or raw[0] == "0":
        raise CodeError("format")
    if damm(raw) != 0:
        raise CodeError("check")
    return raw


def find_in_text(text: str) -> str | None:
    """The first eight-digit group in a sentence (not validated), e.g. from "รหัส 4821-0934"."""
    match = _IN_TEXT.search(text)
    if match is None:
        return None
    return _SEPARATORS.sub("", thai_digits_to_arabic(match.group(1)))


def format_code(code: str) -> str:
    """Printed and spoken form: ``4821-0934``."""
    return f"{code[:4]}-{code[4:]}"


def spoken(code: str) -> str:
    """Digit by digit with a pause between groups, for screen readers: ``4 8 2 1, 0 9 3 4``."""
    return " ".join(code[:4]) + ", " + " ".join(code[4:])
