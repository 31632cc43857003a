"""轨迹信息库的读取（PostgreSQL ``analytics``）：一页时间线 = 一次索引范围扫描。

``raw_trajectory_event`` has an index on ``(person_token, occurred_at desc, event_id desc)``; a page
asks for the rows strictly before the cursor ``(occurred_at, event_id)`` in that order, so paging
deep into a long history costs the same as the first page (no OFFSET).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncConnection

from services.base.errors import ApiError
from yikatong import db

ANALYTICS = "analytics"
EVENT_COLUMNS = (
    "event_id",
    "occurred_at",
    "trajectory_kind",
    "scene_code",
    "scene_name",
    "channel",
    "terminal_id",
    "place_code",
    "county_code",
    "amount",
    "merchant_name",
    "result",
)


def store_missing() -> ApiError:
    return ApiError(503, "STORE_NOT_LOADED", "轨迹库尚未装载，请先运行数据流水线（ykt pipeline run）")


async def analytics_connection() -> AsyncIterator[AsyncConnection]:
    """一个请求一个只读连接（分析库）。"""
    async with db.async_engine(ANALYTICS).connect() as conn:
        yield conn


@contextlib.contextmanager
def loaded_store() -> Iterator[None]:
    """Turn "relation does not exist" (the pipeline has not run yet) into a clear 503."""
    try:
        yield
    except sa.exc.ProgrammingError as exc:
        if "does not exist" in str(exc):
            raise store_missing() from exc
        raise


AnalyticsDep = Annotated[AsyncConnection, Depends(analytics_connection)]


PERSON_COLUMNS = ("id_token", "id_masked", "name_masked", "sex", "county_code")


def page_query(*, kind: bool, since: bool, until: bool, after: bool) -> sa.TextClause:
    """The person and one page of their events in one round trip (each shape a prepared statement).

    No row: no such person. Otherwise one row per event (or one row of nulls when the page is empty)
    beside the person's columns; the caller checks the region before using any of it.
    """
    where = ["person_token = :token"]
    where += ["trajectory_kind = :kind"] if kind else []
    where += ["occurred_at >= :since"] if since else []
    where += ["occurred_at < :until"] if until else []
    where += ["(occurred_at, event_id) < (:at, :event_id)"] if after else []
    person = f"select {', '.join(PERSON_COLUMNS)} from public.raw_person where id_token = :token limit 1"
    return sa.text(
        f"select {', '.join(f'p.{c} as person_{c}' for c in PERSON_COLUMNS)}, "
        f"{', '.join('e.' + c for c in EVENT_COLUMNS)} "
        f"from ({person}) as p "
        f"left join lateral (select {', '.join(EVENT_COLUMNS)} from public.raw_trajectory_event "
        f"where {' and '.join(where)} order by occurred_at desc, event_id desc limit :limit) as e on true"
    )


async def timeline_page(
    conn: AsyncConnection,
    token: str,
    size: int,
    *,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: tuple[datetime, str] | None = None,
) -> tuple[Any, list[dict[str, Any]], bool]:
    """The person's row (None when unknown), up to ``size`` of their events newest first strictly
    before ``before``, and whether there are more."""
    query = page_query(kind=kind is not None, since=since is not None, until=until is not None,
                       after=before is not None)  # fmt: skip
    params: dict[str, Any] = {"token": token, "limit": size + 1, "kind": kind, "since": since, "until": until}
    if before is not None:
        params["at"], params["event_id"] = before
    params = {k: v for k, v in params.items() if f":{k}" in query.text}
    found = (await conn.execute(query, params)).all()
    if not found:
        return None, [], False
    person = SimpleNamespace(**{c: getattr(found[0], f"person_{c}") for c in PERSON_COLUMNS})
    events = [{c: getattr(r, c) for c in EVENT_COLUMNS} for r in found if r.event_id is not None]
    return person, events[:size], len(events) > size
