"""设备日志（seed 2.2.2）：设备批量上传；工作人员按设备、级别、时间段、内容检索。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.pagination import PageParams
from services.base.security import Scope
from services.terminals.monitoring_models import DeviceLog
from services.terminals.monitoring_schemas import LogOut
from services.terminals.report_schemas import LogBatchIn, LogLevel
from services.terminals.scoping import in_scope, page_rows, time_range

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")


async def record(session: AsyncSession, device_id: str, body: LogBatchIn, now: datetime) -> int:
    """Store a batch of lines in one statement (the caller commits)."""
    rows = [
        {"device_id": device_id, "logged_at": line.at, "level": line.level, "message": line.message,
         "received_at": now}
        for line in body.lines
    ]  # fmt: skip
    await session.execute(sa.insert(DeviceLog), rows)
    return len(rows)


@dataclass(frozen=True)
class LogFilter:
    device_id: str | None = None
    level: LogLevel | None = None
    min_level: LogLevel | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


def log_filter(
    device_id: Annotated[str | None, Query(max_length=20, description="设备编号")] = None,
    level: Annotated[LogLevel | None, Query(description="级别（精确）")] = None,
    min_level: Annotated[
        LogLevel | None, Query(description="最低级别（如 WARN 含 WARN、ERROR、FATAL）")
    ] = None,
    since: Annotated[datetime | None, Query(description="日志时间起（含）")] = None,
    until: Annotated[datetime | None, Query(description="日志时间止（不含）")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="内容包含（不区分大小写）")
    ] = None,
) -> LogFilter:
    return LogFilter(device_id, level, min_level, since, until, q)


FilterDep = Annotated[LogFilter, Depends(log_filter)]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def page(session: AsyncSession, scope: Scope, f: LogFilter, params: PageParams):
    conditions = [
        DeviceLog.device_id == f.device_id if f.device_id else None,
        DeviceLog.level == f.level if f.level else None,
        DeviceLog.level.in_(LEVELS[LEVELS.index(f.min_level) :]) if f.min_level else None,
        DeviceLog.message.ilike(_like(f.q)) if f.q else None,
        *time_range(DeviceLog.logged_at, f.since, f.until),
    ]
    query = (
        in_scope(sa.select(DeviceLog), scope, DeviceLog.device_id)
        .where(*[c for c in conditions if c is not None])
        .order_by(DeviceLog.logged_at.desc(), DeviceLog.id.desc())
    )
    rows, total = await page_rows(session, query, params)
    fields = [c.name for c in DeviceLog.__table__.columns]
    return [LogOut(**{k: getattr(row[0], k) for k in fields}) for row in rows], total
