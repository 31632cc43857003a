"""中文问句的检索词：jieba 分词（领域词典）→ 去停用词 → 同义词归一。

The same function tokenises the corpus and the questions, so a resident's "社保卡掉了" and the
corpus's "社保卡丢失" meet on the canonical word 丢失. Dictionaries live in `synonyms.yaml`.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import yaml

SYNONYMS_FILE = Path(__file__).with_name("synonyms.yaml")


@functools.cache
def _lexicon() -> tuple[dict[str, str], frozenset[str]]:
    spec = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    canonical = {word: group[0] for group in spec["groups"] for word in group}
    return canonical, frozenset(spec["stopwords"])


@functools.cache
def _segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    spec = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    for word in {*spec["words"], *(w for group in spec["groups"] for w in group)}:
        tokenizer.add_word(word, freq=200_000)
    tokenizer.initialize()
    return tokenizer


def tokens(text: str) -> list[str]:
    """Canonical search terms of `text` (order kept, duplicates kept for term frequency)."""
    canonical, stop = _lexicon()
    out = []
    for word in _segmenter().lcut(text.strip().lower()):
        word = word.strip()
        if not word or word in stop:
            continue
        out.append(canonical.get(word, word))
    return out


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) rather than on the first question."""
    tokens("社保卡")
