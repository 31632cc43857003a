"""知识条目（原子化的知识点）与随代码发布的政策问答语料（`corpus.yaml`）。"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

CORPUS_FILE = Path(__file__).with_name("corpus.yaml")
ACTIVE, RETIRED = "有效", "已停用"


@dataclass(frozen=True)
class KnowledgeItem:
    """一个知识点：主题、若干问法（第一条为标准问法）、答案、有效期、依据、状态。"""

    id: str
    topic: str
    questions: tuple[str, ...]
    answer: str
    source: str
    valid_from: date | None = None
    valid_to: date | None = None
    status: str = ACTIVE
    version: int = 0  # 0: as shipped in corpus.yaml; steward edits count up from 1
    updated_by: str | None = field(default=None, compare=False)

    def in_force(self, on: date) -> bool:
        """Active and within its validity dates on `on`."""
        if self.status != ACTIVE:
            return False
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


def _item(raw: dict) -> KnowledgeItem:
    return KnowledgeItem(
        id=raw["id"],
        topic=raw["topic"],
        questions=tuple(raw["questions"]),
        answer=raw["answer"].strip(),
        source=raw["source"],
        valid_from=raw.get("valid_from"),
        valid_to=raw.get("valid_to"),
    )


@functools.cache
def shipped_items() -> tuple[KnowledgeItem, ...]:
    """The corpus as shipped with the code (parsed once per process)."""
    raw = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))
    return tuple(_item(entry) for entry in raw)
