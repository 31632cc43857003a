"""自检记录（seed 2.2.1）：设备开机自检的上报、列表（按设备、时间、结果筛选）与详情。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.pagination import PageParams
from services.base.security import Scope
from services.terminals.components import LABELS, is_fine
from services.terminals.models import Device
from services.terminals.monitoring_models import SelfCheck, SelfCheckItem
from services.terminals.monitoring_schemas import (
    SelfCheckDetail,
    SelfCheckItemOut,
    SelfCheckOut,
    SelfCheckResult,
)
from services.terminals.report_schemas import SelfCheckIn
from services.terminals.scoping import in_scope, page_rows, scoped_row, time_range


async def record(session: AsyncSession, device_id: str, body: SelfCheckIn, now: datetime) -> SelfCheck:
    """Store one boot self-check and its per-component rows (the caller commits)."""
    fine = [is_fine(item.component, item.result, item.level, item.value) for item in body.items]
    check = SelfCheck(
        device_id=device_id,
        checked_at=body.checked_at,
        received_at=now,
        result="通过" if all(fine) else "未通过",
        failed_count=fine.count(False),
        software_version=body.software_version,
        duration_ms=body.duration_ms,
    )
    session.add(check)
    await session.flush()
    rows = [
        item.model_dump() | {"selfcheck_id": check.id, "device_id": device_id, "checked_at": body.checked_at}
        for item in body.items
    ]
    await session.execute(sa.insert(SelfCheckItem), rows)
    return check


@dataclass(frozen=True)
class SelfCheckFilter:
    device_id: str | None = None
    result: SelfCheckResult | None = None
    since: datetime | None = None
    until: datetime | None = None


def selfcheck_filter(
    device_id: Annotated[str | None, Query(max_length=20, description="设备编号")] = None,
    result: Annotated[SelfCheckResult | None, Query(description="自检结果：通过 / 未通过")] = None,
    since: Annotated[datetime | None, Query(description="自检时间起（含）")] = None,
    until: Annotated[datetime | None, Query(description="自检时间止（不含）")] = None,
) -> SelfCheckFilter:
    return SelfCheckFilter(device_id, result, since, until)


FilterDep = Annotated[SelfCheckFilter, Depends(selfcheck_filter)]


def _out(check: SelfCheck, device_name: str) -> dict:
    fields = {c.name: getattr(check, c.name) for c in SelfCheck.__table__.columns}
    return fields | {"device_name": device_name}


async def page(session: AsyncSession, scope: Scope, f: SelfCheckFilter, params: PageParams):
    query = in_scope(sa.select(SelfCheck), scope, SelfCheck.device_id).add_columns(Device.name)
    conditions = [
        SelfCheck.device_id == f.device_id if f.device_id else None,
        SelfCheck.result == f.result if f.result else None,
        *time_range(SelfCheck.checked_at, f.since, f.until),
    ]
    query = query.where(*[c for c in conditions if c is not None])
    query = query.order_by(SelfCheck.checked_at.desc(), SelfCheck.id.desc())
    rows, total = await page_rows(session, query, params)
    return [SelfCheckOut(**_out(check, name)) for check, name in rows], total


async def detail(session: AsyncSession, scope: Scope, selfcheck_id: int) -> SelfCheckDetail:
    check, name = await scoped_row(session, scope, SelfCheck, selfcheck_id, "自检记录")
    items = (
        await session.scalars(
            sa.select(SelfCheckItem)
            .where(SelfCheckItem.selfcheck_id == check.id)
            .order_by(SelfCheckItem.component)
        )
    ).all()
    return SelfCheckDetail(
        **_out(check, name),
        items=[
            SelfCheckItemOut(
                component=i.component,
                label=LABELS[i.component],
                result=i.result,
                level=i.level,
                value=i.value,
                code=i.code,
                message=i.message,
                fine=is_fine(i.component, i.result, i.level, i.value),
            )
            for i in items
        ],
    )
