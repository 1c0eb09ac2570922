"""Legal-information answers retrieved by meaning from a curated Thai knowledge base.

Retrieval is character n-gram TF-IDF with cosine similarity over each entry's example
questions and title: Thai is written without spaces, so character n-grams match
"โดนโกงซื้อของออนไลน์" to "ซื้อของออนไลน์แล้วโดนโกง" without a word segmenter. When no entry is
close enough the caller answers with the police information line (1599).

>>> kb = KnowledgeBase.load()
>>> kb.answer("แก๊งคอลเซ็นเตอร์โทรมาหลอกให้โอนเงิน").entry.id
'call_centre_scam'
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.kernel.text import normalize

DATA = Path(__file__).resolve().parent / "data" / "legal_kb.yml"
NGRAMS = (2, 3, 4)
MIN_SCORE = 0.28


@dataclass(frozen=True)
class Entry:
    id: str
    title_th: str
    questions: tuple[str, ...]
    answer_th: str
    source: str
    checked: str


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


# Politeness and question words carry no topic; left in, "ฝนตกไหม" would match "…ต้องแจ้งความไหม".
FILLERS = ("ครับ", "ค่ะ", "คะ", "จ้า", "นะ", "ไหม", "มั้ย", "อะไร", "ยังไง", "อย่างไร", "บ้าง",
           "หน่อย", "อยาก", "ต้อง", "ได้", "ตำรวจ")


def _grams(text: str) -> Counter:
    text = normalize(text).lower()
    for word in FILLERS:
        text = text.replace(word, " ")
    text = text.replace(" ", "")
    return Counter(text[i:i + n] for n in NGRAMS for i in range(len(text) - n + 1))


class KnowledgeBase:
    """Entries and their TF-IDF vectors (one vector per example question)."""

    def __init__(self, entries: list[Entry], fallback_hotline: str):
        self.entries = entries
        self.fallback_hotline = fallback_hotline
        docs = [(e, _grams(q)) for e in entries for q in (e.title_th, *e.questions)]
        df = Counter(g for _, grams in docs for g in grams)
        n = len(docs)
        self.idf = {g: math.log((1 + n) / (1 + c)) + 1 for g, c in df.items()}
        self.vectors = [(e, self._vector(grams)) for e, grams in docs]

    def _vector(self, grams: Counter) -> dict[str, float]:
        vec = {g: (1 + math.log(c)) * self.idf.get(g, 0.0) for g, c in grams.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items() if v}

    @classmethod
    def load(cls, path: Path = DATA) -> KnowledgeBase:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = []
        for e in raw["entries"]:
            missing = [k for k in ("id", "title_th", "questions", "answer_th", "source", "checked")
                       if not e.get(k)]
            if missing:
                raise ValueError(f"knowledge entry {e.get('id')!r} lacks {missing}")
            entries.append(Entry(e["id"], e["title_th"], tuple(e["questions"]),
                                 " ".join(e["answer_th"].split()), " ".join(e["source"].split()),
                                 str(e["checked"])))
        return cls(entries, str(raw.get("fallback_hotline", "1599")))

    def search(self, text: str, limit: int = 3) -> list[Match]:
        """Entries best matching ``text``, best first (one score per entry)."""
        query = self._vector(_grams(text))
        best: dict[str, Match] = {}
        for entry, vec in self.vectors:
            score = sum(w * vec.get(g, 0.0) for g, w in query.items())
            if entry.id not in best or score > best[entry.id].score:
                best[entry.id] = Match(entry, score)
        return sorted(best.values(), key=lambda m: -m.score)[:limit]

    def answer(self, text: str) -> Match | None:
        """The entry that answers ``text``, or ``None`` when nothing fits well enough."""
        found = self.search(text, limit=1)
        return found[0] if found and found[0].score >= MIN_SCORE else None


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    return KnowledgeBase.load()
