"""告警（seed 2.3）：状态变化时产生、部件恢复时自动清除；工作人员确认、清除。

At most one alarm per device and kind is open (未处理 or 已确认) at a time: a partial unique index
enforces it, and raising uses `ON CONFLICT DO NOTHING`, so two API workers seeing the same
transition raise it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import conflict, invalid
from services.base.pagination import PageParams
from services.base.security import Scope
from services.terminals.components import ALARM_LABELS, SEVERITY
from services.terminals.models import Device
from services.terminals.monitoring_models import Alarm
from services.terminals.monitoring_schemas import AlarmOut, AlarmStatus, Severity
from services.terminals.scoping import in_scope, page_rows, scoped_row, time_range

OPEN = sa.text("status <> '已清除'")
AUTO_CLEARED = "自动恢复"


async def raise_alarm(
    session: AsyncSession, device_id: str, alarm_type: str, message: str, at: datetime
) -> None:
    """A new open alarm of `alarm_type` for the device, unless one is open already."""
    stmt = pg_insert(Alarm).values(
        device_id=device_id,
        alarm_type=alarm_type,
        severity=SEVERITY[alarm_type],
        message=message[:300],
        status="未处理",
        raised_at=at,
    )
    await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["device_id", "alarm_type"], index_where=OPEN)
    )


async def auto_clear(session: AsyncSession, device_id: str, alarm_types: list[str], at: datetime) -> None:
    """The device recovered: its open alarms of these kinds are cleared by the system."""
    if not alarm_types:
        return
    await session.execute(
        sa.update(Alarm)
        .where(Alarm.device_id == device_id, Alarm.alarm_type.in_(alarm_types), Alarm.status != "已清除")
        .values(status="已清除", cleared_at=at, cleared_by="system", clear_reason=AUTO_CLEARED)
    )


def acknowledge(alarm: Alarm, username: str, at: datetime) -> None:
    """确认：已知悉，处理中。只有未处理的告警可以确认。"""
    if alarm.status != "未处理":
        raise conflict("ALARM_NOT_OPEN", f"告警当前状态为“{alarm.status}”，只有未处理的告警可以确认")
    alarm.status, alarm.acknowledged_by, alarm.acknowledged_at = "已确认", username, at


def clear(alarm: Alarm, username: str, note: str | None, at: datetime) -> None:
    """人工清除（须说明原因）；已清除的不能再清除。"""
    if alarm.status == "已清除":
        raise conflict("ALARM_ALREADY_CLEARED", "告警已清除")
    if not note:
        raise invalid("NOTE_REQUIRED", "人工清除告警须填写说明")
    alarm.status, alarm.cleared_by, alarm.cleared_at, alarm.clear_reason = "已清除", username, at, note


def label(alarm_type: str) -> str:
    return ALARM_LABELS.get(alarm_type, alarm_type)


def alarm_out(alarm: Alarm, device_name: str) -> dict:
    fields = {c.name: getattr(alarm, c.name) for c in Alarm.__table__.columns}
    return fields | {"device_name": device_name, "alarm_label": label(alarm.alarm_type)}


@dataclass(frozen=True)
class AlarmFilter:
    device_id: str | None = None
    status: AlarmStatus | None = None
    severity: Severity | None = None
    alarm_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def alarm_filter(
    device_id: Annotated[str | None, Query(max_length=20, description="设备编号")] = None,
    status: Annotated[AlarmStatus | None, Query(description="未处理 / 已确认 / 已清除")] = None,
    severity: Annotated[Severity | None, Query(description="严重 / 一般 / 提示")] = None,
    alarm_type: Annotated[
        Literal[tuple(ALARM_LABELS)] | None,  # type: ignore[valid-type]
        Query(description="告警类型（部件代码或 offline）"),
    ] = None,
    since: Annotated[datetime | None, Query(description="产生时间起（含）")] = None,
    until: Annotated[datetime | None, Query(description="产生时间止（不含）")] = None,
) -> AlarmFilter:
    return AlarmFilter(device_id, status, severity, alarm_type, since, until)


FilterDep = Annotated[AlarmFilter, Depends(alarm_filter)]


async def page(session: AsyncSession, scope: Scope, f: AlarmFilter, params: PageParams):
    conditions = [
        Alarm.device_id == f.device_id if f.device_id else None,
        Alarm.status == f.status if f.status else None,
        Alarm.severity == f.severity if f.severity else None,
        Alarm.alarm_type == f.alarm_type if f.alarm_type else None,
        *time_range(Alarm.raised_at, f.since, f.until),
    ]
    query = (
        in_scope(sa.select(Alarm, Device.name), scope, Alarm.device_id)
        .where(*[c for c in conditions if c is not None])
        .order_by(Alarm.raised_at.desc(), Alarm.id.desc())
    )
    rows, total = await page_rows(session, query, params)
    return [AlarmOut(**alarm_out(alarm, name)) for alarm, name in rows], total


async def get(session: AsyncSession, scope: Scope, alarm_id: int, *, lock: bool = False):
    return await scoped_row(session, scope, Alarm, alarm_id, "告警", lock=lock)
