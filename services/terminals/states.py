"""运行情况与在线监控的查询（seed 2.3.2、2.3.3）：设备状态列表（按设备、在线、运行情况筛选）、
单台设备的状态与状态变化历史。尚未上报心跳的设备显示为 离线 / 未知。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.pagination import PageParams
from services.base.security import Scope
from services.terminals.components import ALARM_LABELS
from services.terminals.models import Device
from services.terminals.monitoring_models import DeviceState, StateChange
from services.terminals.monitoring_schemas import (
    ComponentOut,
    OnlineState,
    RunningState,
    StateChangeOut,
    StateDetail,
    StateOut,
)
from services.terminals.scoping import page_rows, scoped_device, time_range


def components_out(codes: list[str] | None) -> list[ComponentOut]:
    return [ComponentOut(component=c, label=ALARM_LABELS.get(c, c)) for c in codes or []]


@dataclass(frozen=True)
class StateFilter:
    device_id: str | None = None
    online_state: OnlineState | None = None
    running_state: RunningState | None = None
    region: str | None = None


def state_filter(
    device_id: Annotated[str | None, Query(max_length=20, description="设备编号（包含）")] = None,
    online_state: Annotated[OnlineState | None, Query(description="在线 / 离线")] = None,
    running_state: Annotated[RunningState | None, Query(description="正常 / 异常 / 未知")] = None,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6,12}$", description="区划代码（本人区域内再细分）")
    ] = None,
) -> StateFilter:
    return StateFilter(device_id, online_state, running_state, region)


FilterDep = Annotated[StateFilter, Depends(state_filter)]
_online = sa.func.coalesce(DeviceState.online, False)
_running = sa.func.coalesce(DeviceState.running_state, "未知")


def _state_out(device: Device, state: DeviceState | None, cls=StateOut) -> StateOut:
    extra = {"components": state.components if state else None} if cls is StateDetail else {}
    return cls(
        device_id=device.device_id,
        device_name=device.name,
        outlet_code=device.outlet_code,
        region_code=device.region_code,
        online_state="在线" if state and state.online else "离线",
        running_state=state.running_state if state else "未知",
        faults=components_out(state.faults if state else []),
        last_heartbeat_at=state.last_heartbeat_at if state else None,
        online_changed_at=state.online_changed_at if state else None,
        running_changed_at=state.running_changed_at if state else None,
        software_version=state.software_version if state else None,
        **extra,
    )


async def page(session: AsyncSession, scope: Scope, f: StateFilter, params: PageParams):
    narrowed = scope.narrow(f.region)
    query = (
        sa.select(Device, DeviceState)
        .outerjoin(DeviceState, DeviceState.device_id == Device.device_id)
        .order_by(Device.device_id)
    )
    if narrowed is None:
        return [], 0
    conditions = [
        narrowed.where(Device.region_code),
        Device.device_id.contains(f.device_id, autoescape=True) if f.device_id else None,
        _online.is_(f.online_state == "在线") if f.online_state else None,
        _running == f.running_state if f.running_state else None,
    ]
    rows, total = await page_rows(session, query.where(*[c for c in conditions if c is not None]), params)
    return [_state_out(device, state) for device, state in rows], total


async def detail(session: AsyncSession, scope: Scope, device_id: str) -> StateDetail:
    device = await scoped_device(session, scope, device_id)
    state = await session.get(DeviceState, device_id)
    return _state_out(device, state, StateDetail)


async def history(
    session: AsyncSession,
    scope: Scope,
    device_id: str,
    params: PageParams,
    since: datetime | None = None,
    until: datetime | None = None,
):
    await scoped_device(session, scope, device_id)
    query = (
        sa.select(StateChange)
        .where(StateChange.device_id == device_id, *time_range(StateChange.at, since, until))
        .order_by(StateChange.at.desc(), StateChange.id.desc())
    )
    rows, total = await page_rows(session, query, params)
    items = [
        StateChangeOut(
            id=c.id, device_id=c.device_id, at=c.at, kind=c.kind, from_state=c.from_state,
            to_state=c.to_state, faults=components_out(c.faults), cause=c.cause,
        )
        for (c,) in rows
    ]  # fmt: skip
    return items, total
