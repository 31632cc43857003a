"""知识条目的读写：随代码发布的语料 + 数据库中的修订（按编号覆盖），以及每个进程一份的检索索引。"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import conflict, not_found
from services.base.security import Principal
from services.knowledge.corpus import ACTIVE, RETIRED, KnowledgeItem, shipped_items
from services.knowledge.models import KnowledgeRevision
from services.knowledge.retrieval import KnowledgeIndex
from services.knowledge.schemas import ItemCreate, ItemUpdate

_ID = re.compile(r"KB-(\d{4,6})")


def _from_row(row: KnowledgeRevision) -> KnowledgeItem:
    return KnowledgeItem(
        id=row.id,
        topic=row.topic,
        questions=tuple(row.questions),
        answer=row.answer,
        source=row.source,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        status=row.status,
        version=row.version,
        updated_by=row.updated_by,
    )


async def all_items(session: AsyncSession) -> list[KnowledgeItem]:
    """Every item (active or retired): the shipped corpus with the stewards' revisions applied."""
    items = {item.id: item for item in shipped_items()}
    for row in (await session.scalars(sa.select(KnowledgeRevision))).all():
        items[row.id] = _from_row(row)
    return sorted(items.values(), key=lambda i: i.id)


async def get_item(session: AsyncSession, item_id: str) -> KnowledgeItem:
    for item in await all_items(session):
        if item.id == item_id:
            return item
    raise not_found("知识条目")


def _next_id(items: list[KnowledgeItem]) -> str:
    numbers = [int(m.group(1)) for i in items if (m := _ID.fullmatch(i.id))]
    return f"KB-{max(numbers, default=0) + 1:04d}"


async def _save(session: AsyncSession, item: KnowledgeItem, *, new: bool) -> None:
    values = {
        "topic": item.topic,
        "questions": list(item.questions),
        "answer": item.answer,
        "source": item.source,
        "valid_from": item.valid_from,
        "valid_to": item.valid_to,
        "status": item.status,
        "version": item.version,
        "updated_by": item.updated_by,
    }
    if new:
        session.add(KnowledgeRevision(id=item.id, **values))
    else:
        stored = await session.get(KnowledgeRevision, item.id, with_for_update=True)
        if stored is None:
            session.add(KnowledgeRevision(id=item.id, **values))
        elif stored.version != item.version - 1:
            raise _stale()
        else:
            for key, value in values.items():
                setattr(stored, key, value)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise conflict("KNOWLEDGE_CONFLICT", "该条目刚被其他人修改或新增，请刷新后重试") from None


def _stale():
    return conflict("VERSION_CONFLICT", "条目已被他人修改，请刷新后在最新版本上修改")


async def create(session: AsyncSession, body: ItemCreate, user: Principal) -> KnowledgeItem:
    item = KnowledgeItem(
        id=_next_id(await all_items(session)),
        topic=body.topic,
        questions=tuple(body.questions),
        answer=body.answer,
        source=body.source,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        version=1,
        updated_by=user.username,
    )
    await _save(session, item, new=True)
    return item


async def update(session: AsyncSession, item_id: str, body: ItemUpdate, user: Principal) -> KnowledgeItem:
    current = await get_item(session, item_id)
    if body.version != current.version:
        raise _stale()
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"version"})
    if "questions" in changes:
        changes["questions"] = tuple(changes["questions"])
    fields = vars(current) | changes | {"version": current.version + 1, "updated_by": user.username}
    item = KnowledgeItem(**fields)
    if item.valid_from and item.valid_to and item.valid_to < item.valid_from:
        raise conflict("INVALID_DATES", "有效期止不能早于有效期起")
    await _save(session, item, new=False)
    return item


async def retire(session: AsyncSession, item_id: str, user: Principal) -> KnowledgeItem:
    current = await get_item(session, item_id)
    if current.status == RETIRED:
        raise conflict("ALREADY_RETIRED", "该条目已停用")
    fields = vars(current) | {"status": RETIRED, "version": current.version + 1, "updated_by": user.username}
    item = KnowledgeItem(**fields)
    await _save(session, item, new=False)
    return item


# ------------------------------------------------------------------------------------------------
# the per-process index (rebuilt when the revisions change or the date moves on)
# ------------------------------------------------------------------------------------------------

_STAMP = sa.select(
    sa.func.count(),
    sa.func.max(KnowledgeRevision.updated_at),
    sa.func.coalesce(sa.func.sum(KnowledgeRevision.version), 0),
)
_cache: dict[str, Any] = {"stamp": None, "index": None}


async def current_index(session: AsyncSession) -> KnowledgeIndex:
    """The index of the items in force today; one cheap query checks it is still current."""
    stamp = (*(await session.execute(_STAMP)).one(), date.today())
    if _cache["stamp"] != stamp:
        today = stamp[-1]
        items = [i for i in await all_items(session) if i.in_force(today)]
        _cache["index"], _cache["stamp"] = KnowledgeIndex(items), stamp
    return _cache["index"]


def is_active(item: KnowledgeItem) -> bool:
    return item.status == ACTIVE
