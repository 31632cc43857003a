"""BM25（Okapi）检索：一个不可变的小索引，由知识条目的检索词建成。

Each item is one document whose fields are weighted by repetition: question variants count
`QUESTION_WEIGHT` times, the topic and the answer once, so a match on how residents ask beats a
match on a word buried in an answer. Scores are plain BM25 (k1 = 1.2, b = 0.75).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

K1, B = 1.2, 0.75


@dataclass(frozen=True)
class Hit:
    """One ranked document: its position in the index and its BM25 score."""

    index: int
    score: float


class Bm25Index:
    """BM25 over pre-tokenised documents."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self._tf = [Counter(doc) for doc in documents]
        self._len = [len(doc) for doc in documents]
        count = len(documents)
        self._avg = (sum(self._len) / count) if count else 0.0
        df = Counter(term for tf in self._tf for term in tf)
        self._idf = {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for index, tf in enumerate(self._tf):
            for term, f in tf.items():
                self._postings.setdefault(term, []).append((index, f))
        self._norm = [K1 * (1 - B + B * length / self._avg) if self._avg else K1 for length in self._len]

    def __len__(self) -> int:
        return len(self._tf)

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """BM25 of every document sharing a term with `query` (through the postings lists)."""
        out: dict[int, float] = {}
        for term in set(query):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for index, f in self._postings[term]:
                out[index] = out.get(index, 0.0) + idf * f * (K1 + 1) / (f + self._norm[index])
        return out

    def search(self, query: Sequence[str], limit: int = 3) -> list[Hit]:
        """The best `limit` documents with a positive score, best first."""
        if not query:
            return []
        ranked = sorted(
            (Hit(i, s) for i, s in self.scores(query).items() if s > 0), key=lambda h: (-h.score, h.index)
        )
        return ranked[:limit]
