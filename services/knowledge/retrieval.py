"""知识检索：问句 → 最相关的知识条目（引用条目编号），jieba 词 + 字二元组的 BM25。

Three BM25 signals are added per item:
- words of the whole item (question variants twice, topic, answer);
- the best single question variant (how residents ask is the strongest signal);
- character bigrams (×0.3), a back-off for words jieba splits differently or the lexicon lacks.
Below `MIN_SCORE` the knowledge base says it has no answer instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.knowledge.bm25 import Bm25Index
from services.knowledge.corpus import KnowledgeItem
from services.knowledge.text import tokens

BIGRAM_WEIGHT = 0.3
VARIANT_WEIGHT = 1.0
MIN_SCORE = 6.0
_NOT_TEXT = re.compile(r"[^\u4e00-\u9fff0-9a-z]")


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of the Chinese, digits and letters in `text`."""
    text = _NOT_TEXT.sub("", text.lower())
    return [text[i : i + 2] for i in range(len(text) - 1)]


def _words(item: KnowledgeItem) -> list[str]:
    asked = [t for q in item.questions for t in tokens(q)]
    return tokens(item.topic) + asked * 2 + tokens(item.answer)


def _pairs(item: KnowledgeItem) -> list[str]:
    return [b for q in item.questions for b in bigrams(q)] * 2 + bigrams(item.answer)


@dataclass(frozen=True)
class Match:
    """An item and how well it answers the question."""

    item: KnowledgeItem
    score: float
    question: str  # the item's variant closest to what was asked


class KnowledgeIndex:
    """The searchable form of a set of knowledge items (built once, read by many requests)."""

    def __init__(self, items: Sequence[KnowledgeItem]) -> None:
        self.items = tuple(items)
        self._words = Bm25Index([_words(i) for i in self.items])
        self._pairs = Bm25Index([_pairs(i) for i in self.items])
        self._variant_owner = [(n, q) for n, item in enumerate(self.items) for q in item.questions]
        self._variants = Bm25Index([tokens(q) for _, q in self._variant_owner])

    def _best_variants(self, query: list[str]) -> dict[int, tuple[float, str]]:
        best: dict[int, tuple[float, str]] = {}
        for position, score in self._variants.scores(query).items():
            owner, question = self._variant_owner[position]
            if score > best.get(owner, (0.0, ""))[0]:
                best[owner] = (score, question)
        return best

    def search(self, question: str, limit: int = 3) -> list[Match]:
        """The best `limit` items for `question`, best first (may be empty)."""
        query, pairs = tokens(question), bigrams(question)
        if not query and not pairs:
            return []
        variants = self._best_variants(query)
        words, pair_scores = self._words.scores(query), self._pairs.scores(pairs)
        matches = []
        for n in words.keys() | pair_scores.keys() | variants.keys():
            item = self.items[n]
            variant_score, variant = variants.get(n, (0.0, item.questions[0]))
            score = (
                words.get(n, 0.0) + VARIANT_WEIGHT * variant_score + BIGRAM_WEIGHT * pair_scores.get(n, 0.0)
            )
            if score > 0:
                matches.append(Match(item, round(score, 3), variant))
        matches.sort(key=lambda m: (-m.score, m.item.id))
        return matches[:limit]
