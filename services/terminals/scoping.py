"""监控数据的区域范围：经 `terminal_device` 连接，只看本人区域及下级区域内设备的记录。"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import invalid, not_found
from services.base.pagination import PageParams
from services.base.security import Scope
from services.terminals.models import Device


def in_scope(query: sa.Select, scope: Scope, device_column: Any) -> sa.Select:
    """Join the owning device and keep rows of devices inside `scope`."""
    return query.join(Device, Device.device_id == device_column).where(scope.where(Device.region_code))


def time_range(column: Any, since: datetime | None, until: datetime | None) -> list:
    if since and until and since > until:
        raise invalid("BAD_TIME_RANGE", "开始时间不能晚于结束时间")
    bounds = (column >= since if since else None, column < until if until else None)
    return [c for c in bounds if c is not None]


async def scoped_device(session: AsyncSession, scope: Scope, device_id: str) -> Device:
    """A device in scope (404 otherwise, the same as a missing one)."""
    query = sa.select(Device).where(Device.device_id == device_id, scope.where(Device.region_code))
    device = await session.scalar(query)
    if device is None:
        raise not_found("设备")
    return device


async def scoped_row(session: AsyncSession, scope: Scope, model: Any, row_id: int, what: str, *, lock=False):
    """One row of `model` (with a `device_id`) by primary key, with its device's name; 404 outside scope."""
    query = in_scope(sa.select(model, Device.name).where(model.id == row_id), scope, model.device_id)
    if lock:
        query = query.with_for_update(of=model)
    row = (await session.execute(query)).first()
    if row is None:
        raise not_found(what)
    return row


async def page_rows(session: AsyncSession, query: sa.Select, params: PageParams) -> tuple[list, int]:
    """One page of whole rows and the total; the count query runs only when the page is full or empty."""
    rows = (await session.execute(query.limit(params.size).offset(params.offset))).all()
    if 0 < len(rows) < params.size:
        return rows, params.offset + len(rows)
    counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    return rows, int(await session.scalar(counted) or 0)
