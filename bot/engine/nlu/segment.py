"""Thai word segmentation with exact character offsets.

Text is first cut into runs: whitespace (dropped), Latin/digit codes kept whole
("BKT-0123", "02-282-2323", "1.5", "๕๐x๑๐๐"), Thai abbreviations with a dot ("สน.",
"กทม."), and everything else. Thai runs go to pythainlp's ``newmm`` with a dictionary
that includes the gazetteer, so place names stay one token.

>>> seg = ThaiSegmenter(extra_words={"ลาดพร้าว"})
>>> [t for t, _ in seg.segment("อยู่ลาดพร้าว แจ้งความที่ไหน")][:2]
['อยู่', 'ลาดพร้าว']
>>> seg.segment("วิน BKT-0123")
[('วิน', 0), ('BKT-0123', 4)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A code or number: letters/digits (Arabic or Thai) joined by - _ . / : x × , e.g. "BKT-0123",
# "1.5", "50x100", "๐๒-๒๘๒-๒๓๒๓", "13.7563,100.5018" is two runs split at the comma.
_CODE = r"[A-Za-z0-9\u0e50-\u0e59]+(?:[-_./:x×][A-Za-z0-9\u0e50-\u0e59]+)*"
# Thai abbreviation: one to four Thai letters followed by a dot, possibly chained ("ร.ร.").
_ABBREV = r"(?:[\u0e01-\u0e2e][\u0e01-\u0e4e]{0,3}\.)+"
_RUNS = re.compile(rf"(?P<space>\s+)|(?P<code>{_CODE})|(?P<abbrev>{_ABBREV})|(?P<other>.)", re.S)

# Characters that form Thai words; everything else outside codes is its own token
# (punctuation, emoji, symbols).
_THAI = re.compile(r"[\u0e01-\u0e4f\u0e5a\u0e5b]+")


class ThaiSegmenter:
    """Segments Thai text into ``(token, start_offset)`` pairs.

    ``extra_words`` are added to pythainlp's default word list (e.g. gazetteer names).
    The dictionary trie is built once, on first use.
    """

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._extra = frozenset(w for w in extra_words if w)
        # Names written with punctuation ("สุไหงโก-ลก") are matched whole before segmentation.
        punctuated = sorted((w for w in self._extra if not _THAI.fullmatch(w)), key=len,
                            reverse=True)
        names = "|".join(re.escape(w) for w in punctuated) or "(?!)"
        self._runs = re.compile(rf"(?P<name>{names})|" + _RUNS.pattern, re.S)
        self._trie = None

    def _dictionary(self):
        if self._trie is None:
            from pythainlp.corpus.common import thai_words
            from pythainlp.util import dict_trie

            self._trie = dict_trie(set(thai_words()) | self._extra)
        return self._trie

    def _thai_words(self, chunk: str) -> list[str]:
        from pythainlp.tokenize import word_tokenize

        return word_tokenize(chunk, custom_dict=self._dictionary(), engine="newmm",
                             keep_whitespace=False)

    def segment(self, text: str) -> list[tuple[str, int]]:
        """Tokens of ``text`` with offsets such that ``text[o:o+len(t)] == t``."""
        tokens: list[tuple[str, int]] = []
        pending_start = None  # start of a run of "other" characters

        def flush(end: int) -> None:
            nonlocal pending_start
            if pending_start is None:
                return
            chunk = text[pending_start:end]
            tokens.extend(self._segment_other(chunk, pending_start))
            pending_start = None

        for m in self._runs.finditer(text):
            kind = m.lastgroup
            if kind == "other":
                if pending_start is None:
                    pending_start = m.start()
                continue
            flush(m.start())
            if kind in ("name", "code", "abbrev"):
                tokens.append((m.group(), m.start()))
        flush(len(text))
        return tokens

    def _segment_other(self, chunk: str, base: int) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        pos = 0
        while pos < len(chunk):
            m = _THAI.match(chunk, pos)
            if m:
                cursor = m.start()
                for word in self._thai_words(m.group()):
                    start = chunk.index(word, cursor)
                    out.append((word, base + start))
                    cursor = start + len(word)
                pos = m.end()
            else:
                # one non-Thai symbol (punctuation, emoji…); keep surrogate-free code points whole
                out.append((chunk[pos], base + pos))
                pos += 1
        return out
