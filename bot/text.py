"""Thai text normalisation shared by the NLU pipeline and the app.

Only the standard library is used so both runtimes can import it.

>>> normalize("ขอบคุณครับบบบ")
'ขอบคุณครับ'
>>> normalize("ป้าย ๕๐x๑๐๐ เซน")
'ป้าย 50x100 เซน'
>>> normalize("สวัส\u200bดี")
'สวัสดี'
"""

from __future__ import annotations

import re
import unicodedata

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_DIGIT_TABLE = str.maketrans(THAI_DIGITS, "0123456789")

# Zero-width and invisible format characters that Thai keyboards and copy-paste leave behind.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

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


def normalize(text: str) -> str:
    """Return ``text`` in the form the NLU and the gazetteer expect.

    NFC composition, Thai digits to Arabic, invisible characters removed, emphatic
    repetitions collapsed, runs of spaces reduced to one and the ends stripped.
    """
    text = unicodedata.normalize("NFC", text)
    text = thai_digits_to_arabic(text)
    text = _INVISIBLE.sub("", text)
    text = _REPEATED_MAIYAMOK.sub("ๆ", text)
    text = _REPEATED_THAI.sub(r"\1", text)
    text = _SPACES.sub(" ", text)
    return text.strip()


def fold(text: str) -> str:
    """A key for comparing names: normalised, lower case, without spaces or dots.

    >>> fold("สน. ลุมพินี") == fold("สน.ลุมพินี")
    True
    """
    return re.sub(r"[\s.\-]", "", normalize(text)).lower()
