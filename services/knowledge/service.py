"""问答：检索最相关的条目，给出答案并引用条目；得分过低时不猜测，给出建议。"""

from __future__ import annotations

from services.knowledge.retrieval import MIN_SCORE, KnowledgeIndex
from services.knowledge.schemas import Answer, Citation, Related

NO_ANSWER = "抱歉，知识库中暂未找到相关答案。您可以换个问法，或拨打人社服务热线 12333 咨询。"


def ask(index: KnowledgeIndex, question: str, limit: int = 3) -> Answer:
    """The answer to `question` from `index`, citing the item it comes from."""
    matches = index.search(question, limit=limit)
    if not matches or matches[0].score < MIN_SCORE:
        related = [Related(id=m.item.id, question=m.question, score=m.score) for m in matches]
        return Answer(
            answered=False,
            answer=NO_ANSWER,
            score=matches[0].score if matches else 0.0,
            citation=None,
            related=related,
        )
    best, rest = matches[0], matches[1:]
    item = best.item
    citation = Citation(
        id=item.id,
        topic=item.topic,
        question=best.question,
        source=item.source,
        valid_from=item.valid_from,
        valid_to=item.valid_to,
        version=item.version,
    )
    return Answer(
        answered=True,
        answer=item.answer,
        score=best.score,
        citation=citation,
        related=[Related(id=m.item.id, question=m.question, score=m.score) for m in rest],
    )
