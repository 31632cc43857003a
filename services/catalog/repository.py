"""目录条目的查询、检索、维护（带变更历史）与血缘。"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import invalid, not_found
from services.base.pagination import PageParams, paginate
from services.catalog.models import CatalogChange, CatalogEntry
from services.catalog.schemas import KINDS, EntryUpdate

_KIND_ORDER = sa.case({k: i for i, k in enumerate(KINDS)}, value=CatalogEntry.kind, else_=len(KINDS))


@dataclass
class EntryFilter:
    q: str | None = None
    kind: str | None = None
    sensitivity: str | None = None
    openness: str | None = None


def entry_filter(
    q: Annotated[str | None, Query(max_length=100, description="关键词：名称、目录键、描述")] = None,
    kind: Annotated[str | None, Query(description="类别")] = None,
    sensitivity: Annotated[str | None, Query(max_length=16, description="敏感级别")] = None,
    openness: Annotated[str | None, Query(max_length=8, description="开放级别")] = None,
) -> EntryFilter:
    if kind is not None and kind not in KINDS:
        raise invalid("UNKNOWN_KIND", f"未知的类别：{kind}", {"allowed": list(KINDS)})
    if q and any(ord(c) < 32 or ord(c) == 127 for c in q):
        raise invalid("INVALID_QUERY", "关键词不能包含控制字符", "q")
    return EntryFilter(q.strip() if q else None, kind, sensitivity, openness)


FilterDep = Annotated[EntryFilter, Depends(entry_filter)]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# What a list shows (no JSON columns: the columns and lineage stay in the database).
LIST_COLUMNS = (
    CatalogEntry.id,
    CatalogEntry.key,
    CatalogEntry.kind,
    CatalogEntry.title,
    CatalogEntry.description,
    CatalogEntry.owner,
    CatalogEntry.sensitivity,
    CatalogEntry.openness,
    CatalogEntry.update_frequency,
    CatalogEntry.source,
    CatalogEntry.updated_at,
    CatalogEntry.updated_by,
)
# The searched text, lower-cased once per row (ILIKE on three UTF-8 columns lower-cases each of
# them, on every row, twice with the count); fields joined by U+001F, which a query cannot hold.
SEARCH_TEXT = sa.func.lower(
    sa.func.concat_ws("\x1f", CatalogEntry.title, CatalogEntry.key, CatalogEntry.description)
)


def _where(query: sa.Select, f: EntryFilter) -> sa.Select:
    if f.q:
        query = query.where(SEARCH_TEXT.like(sa.func.lower(_like(f.q))))
    for column, value in (
        (CatalogEntry.kind, f.kind),
        (CatalogEntry.sensitivity, f.sensitivity),
        (CatalogEntry.openness, f.openness),
    ):
        if value:
            query = query.where(column == value)
    return query


async def search(session: AsyncSession, f: EntryFilter, page: PageParams) -> tuple[list[sa.Row], int]:
    """One page of matching entries (list fields only) and the total: one statement, one scan."""
    total = sa.func.count().over().label("_total")
    query = _where(sa.select(*LIST_COLUMNS, total), f).order_by(_KIND_ORDER, CatalogEntry.key)
    rows = (await session.execute(query.limit(page.size).offset(page.offset))).all()
    if rows:
        return list(rows), int(rows[0]._total)
    if page.offset == 0:
        return [], 0
    return [], int(await session.scalar(_where(sa.select(sa.func.count()), f).select_from(CatalogEntry)) or 0)


async def get(session: AsyncSession, entry_id: int, *, lock: bool = False) -> CatalogEntry:
    query = sa.select(CatalogEntry).where(CatalogEntry.id == entry_id)
    entry = await session.scalar(query.with_for_update() if lock else query)
    if entry is None:
        raise not_found("目录条目")
    return entry


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def update(session: AsyncSession, entry: CatalogEntry, body: EntryUpdate, actor: str) -> dict[str, list]:
    """Apply the steward's changes; each changed field gets a history row and is kept from sync."""
    diff = {}
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            raise invalid("FIELD_REQUIRED", f"字段 {field} 不能为空", field)
        old = getattr(entry, field)
        if old == value:
            continue
        diff[field] = [old, value]
        setattr(entry, field, value)
        session.add(
            CatalogChange(entry_id=entry.id, actor=actor, field=field, old=_text(old), new=_text(value))
        )
    if diff:
        from services.base.db import utcnow

        entry.edited = sorted(set(entry.edited) | set(diff))
        entry.updated_at, entry.updated_by = utcnow(), actor
    return diff


async def history(session: AsyncSession, entry_id: int, page: PageParams) -> tuple[list[CatalogChange], int]:
    query = (
        sa.select(CatalogChange)
        .where(CatalogChange.entry_id == entry_id)
        .order_by(CatalogChange.at.desc(), CatalogChange.id.desc())
    )
    return await paginate(session, query, page)


async def lineage(session: AsyncSession, entry: CatalogEntry) -> dict:
    """Upstream and downstream entries of ``entry`` across every layer (breadth first)."""
    rows = (
        await session.execute(
            sa.select(
                CatalogEntry.key,
                CatalogEntry.kind,
                CatalogEntry.title,
                CatalogEntry.openness,
                CatalogEntry.upstream,
            )
        )
    ).all()
    nodes = {r.key: {"key": r.key, "kind": r.kind, "title": r.title, "openness": r.openness} for r in rows}
    parents = {r.key: [u for u in r.upstream if u in nodes] for r in rows if r.kind != "resource"}
    children: dict[str, list[str]] = {}
    for child, ups in parents.items():
        for up in ups:
            children.setdefault(up, []).append(child)
    edges: set[tuple[str, str]] = set()

    def walk(start: str, step: dict[str, list[str]], up: bool) -> list[dict]:
        seen, queue, order = {start}, [start], []
        while queue:
            key = queue.pop(0)
            for nxt in sorted(step.get(key, [])):
                edges.add((nxt, key) if up else (key, nxt))
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
                    order.append(nodes[nxt])
        return order

    if entry.kind == "resource":  # an item's lineage is that of the datasets holding it
        holders = [u for u in entry.upstream if u in nodes]
        return {
            "key": entry.key,
            "upstream": [nodes[h] for h in holders],
            "downstream": [],
            "edges": sorted((h, entry.key) for h in holders),
        }
    upstream, downstream = walk(entry.key, parents, True), walk(entry.key, children, False)
    return {"key": entry.key, "upstream": upstream, "downstream": downstream, "edges": sorted(edges)}
