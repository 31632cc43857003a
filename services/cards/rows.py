"""One page of a multi-column query (the base `paginate` keeps only the first column)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.pagination import PageParams


async def page_rows(session: AsyncSession, query: sa.Select, params: PageParams) -> tuple[list[Any], int]:
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    total = int(await session.scalar(counted) or 0)
    rows = (await session.execute(query.limit(params.size).offset(params.offset))).all()
    return list(rows), total
