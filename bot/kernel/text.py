"""Thai text normalisation shared by the NLU pipeline and the app.

Only the standard library is used so both runtimes can import it.

>>> normalize("ขอบคุณครับบบบ")
'ขอบคุณครับ'
>>> normalize("ป้าย ๕๐x๑๐๐ เซน")
'ป้าย 50x100 เซน'
>>> normalize("สวัส\u200bดี")
'สวัสดี'
>>> typed("\u200b/ /restart")
'restart'
"""

from __future__ import annotations

import re
import unicodedata

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_DIGIT_TABLE = str.maketrans(THAI_DIGITS, "0123456789")

# Invisible characters that Thai keyboards and copy-paste leave behind: every Unicode format
# character (zero-width spaces and joiners, bidi marks, soft hyphen, BOM), lone surrogates
# and control characters other than tab and newline. Thai writing uses none of them.
_INVISIBLE = frozenset({"Cf", "Cs", "Cc"})  # Unicode categories: format, surrogate, control
_KEPT_CONTROLS = "\t\n"

# A Thai character (consonant, vowel or tone mark) repeated at the end of a word for emphasis:
# "ครับบบบ", "ค่าาาา", "555" is left alone because digits are not Thai letters.
# Three or more repeats collapse to one; two are kept because some words double a letter.
_REPEATED_THAI = re.compile(r"([\u0e01-\u0e4e])\1{2,}")

# The Thai repetition mark after itself ("ๆๆๆ") means the same as one.
_REPEATED_MAIYAMOK = re.compile(r"ๆ(\s*ๆ)+")

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def thai_digits_to_arabic(text: str) -> str:
    """Replace Thai digits with Arabic ones; the length of the text does not change.

    >>> thai_digits_to_arabic("โทร ๑๙๑")
    'โทร 191'
    """
    return text.translate(_DIGIT_TABLE)


def _visible(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch for ch in text
                   if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in _INVISIBLE)


def normalize(text: str) -> str:
    """Return ``text`` in the form the NLU and the gazetteer expect.

    NFC composition, Thai digits to Arabic, invisible characters removed, emphatic
    repetitions collapsed, runs of spaces reduced to one and the ends stripped.
    """
    text = unicodedata.normalize("NFC", text)
    text = thai_digits_to_arabic(text)
    text = _visible(text)
    text = _REPEATED_MAIYAMOK.sub("ๆ", text)
    text = _REPEATED_THAI.sub(r"\1", text)
    text = _SPACES.sub(" ", text)
    return text.strip()


# What one chat bubble should hold at most, in characters a phone screen shows side by side
# (Thai vowel and tone marks above or below a letter take no width and are not counted):
# about what fits on a phone screen without scrolling. Longer answers are split or shortened.
BUBBLE_MAX = 300


def visible_length(text: str) -> int:
    """Characters that take width on a screen: Thai marks above and below are not counted.

    >>> len("ที่นี่"), visible_length("ที่นี่")
    (6, 2)
    """
    return sum(1 for ch in text if not unicodedata.combining(ch)
               and unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def typed(text: str) -> str:
    """What a person typed, as words only: normalised, with Rasa's command syntax disarmed.

    A leading "/" makes Rasa read "/intent{...}" as an intent with entities. Typed text must
    never do that, however it is disguised (spaces, zero-width characters, several slashes),
    so every leading slash goes after normalisation. Payloads the gateway itself offered are
    sent another way (marked in the message metadata) and never pass through here.
    """
    text = normalize(text)
    while text.startswith("/"):
        text = text.lstrip("/").strip()
    return text or "?"


def fold(text: str) -> str:
    """A key for comparing names: normalised, lower case, without spaces or dots.

    >>> fold("สน. ลุมพินี") == fold("สน.ลุมพินี")
    True
    """
    return re.sub(r"[\s.\-]", "", normalize(text)).lower()


_POLITE = re.compile(r"\s*(ค่ะ|คะ|ครับ|นะ|หน่อย|ด้วย|จ้า|จ้ะ|ได้ไหม|please)+$")


def bare(text: str) -> str:
    """A short command as typed, for matching against a list of phrases: normalised, lower
    case, polite endings and spaces gone.

    >>> bare("ตอบสั้นๆ ค่ะ"), bare("Short Mode")
    ('ตอบสั้นๆ', 'shortmode')
    """
    return _POLITE.sub("", normalize(text).lower()).replace(" ", "")
