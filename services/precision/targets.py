"""目标名单的计算：策略的 SQL 在分析库上执行（截至业务日期），并带上人员的掩码与区县。"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.precision.strategies import Strategy

BEIJING = ZoneInfo("Asia/Shanghai")


def end_of_day(as_of: date) -> datetime:
    """The end of the Beijing business day ``as_of`` (the start of the next one)."""
    return datetime.combine(as_of + timedelta(days=1), time(0), BEIJING)


def query(strategy: Strategy) -> sa.TextClause:
    return sa.text(
        f"with targets as ({strategy.targets_sql}) "
        "select t.person_token, t.subject, t.basis_on, p.id_masked, p.name_masked, p.county_code "
        "from targets as t left join lateral (select id_masked, name_masked, county_code "
        "from public.raw_person where id_token = t.person_token limit 1) as p on true "
        "order by t.person_token"
    )


async def compute(conn: AsyncConnection, strategy: Strategy, as_of: date) -> list[dict[str, Any]]:
    """One row per person the strategy selects as of ``as_of`` (tokens, masks, county, subject)."""
    params = {"as_of": as_of, "as_of_end": end_of_day(as_of)}
    return [dict(r._mapping) for r in (await conn.execute(query(strategy), params)).all()]


async def acted(
    conn: AsyncConnection, strategy: Strategy, tokens: list[str], start: date, end: date
) -> dict[str, date]:
    """Of ``tokens``, who did what the strategy asked in ``(start, end]``, and on which day first."""
    if not tokens or end <= start:
        return {}
    rows = await conn.execute(sa.text(strategy.outcome_sql), {"tokens": tokens, "start": start, "end": end})
    return {r.person_token: r.acted_on for r in rows}
