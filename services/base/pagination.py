"""分页：`?page=&size=` 参数与 `{items, total, page, size}` 响应。"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

MAX_SIZE = 100
T = TypeVar("T")


class PageParams(BaseModel):
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


async def page_params(  # async: a sync dependency costs a thread hop per request
    page: Annotated[int, Query(ge=1, le=100_000, description="页码，从 1 开始")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_SIZE, description=f"每页条数，1–{MAX_SIZE}")] = 20,
) -> PageParams:
    return PageParams(page=page, size=size)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """分页结果。"""

    items: list[T] = Field(description="本页数据")
    total: int = Field(description="符合条件的总条数")
    page: int = Field(description="页码")
    size: int = Field(description="每页条数")


async def paginate(session: AsyncSession, query: sa.Select, params: PageParams) -> tuple[list[Any], int]:
    """One page of `query`'s first column (ORM objects or values) and the total, in one round trip."""
    rows, total = await paginate_rows(session, query, params)
    return [row[0] for row in rows], total


async def paginate_rows(
    db: AsyncSession | AsyncConnection, query: sa.Select, params: PageParams
) -> tuple[list[sa.Row], int]:
    """One page of whole rows of `query` and the total, in one round trip (on a session or a
    connection; each row also carries the total as `_total`).

    The total rides along as an uncorrelated scalar subquery (computed once); only a page past
    the end, which has no rows to carry it, costs a second query.
    """
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    page = (
        query.add_columns(counted.scalar_subquery().label("_total")).limit(params.size).offset(params.offset)
    )
    rows = (await db.execute(page)).all()
    if rows:
        return rows, int(rows[0][-1])
    return [], int(await db.scalar(counted) or 0)
