"""远程管理与监控的查询（seed 2.2、2.3）：自检记录、设备日志、运行情况与在线状态、状态变化历史。

Every route checks `monitor:read`, sees only devices in the caller's region subtree (another
county's record is the same 404 as a missing one) and is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm
from services.base.security import RegionScope, staff_route
from services.terminals import device_logs, selfchecks, states
from services.terminals.monitoring_schemas import (
    LogOut,
    SelfCheckDetail,
    SelfCheckOut,
    StateChangeOut,
    StateDetail,
    StateOut,
)
from services.terminals.schemas import DEVICE_ID_HINT

router = APIRouter(prefix="/api/v1/admin", tags=["远程管理与监控"], responses=COMMON_RESPONSES)
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="记录编号")]
DeviceId = Annotated[str, Path(max_length=20, description=DEVICE_ID_HINT)]
NOT_FOUND = {404: {"description": "记录不存在或不在您的管辖区域内"}}


def _route(summary: str, action: str, object_type: str, **kwargs) -> dict:
    return staff_route(summary, Perm.MONITOR_READ, action, object_type, **kwargs)


def _given(f, **extra) -> dict:
    return {k: v for k, v in vars(f).items() if v is not None} | extra


@router.get(
    "/selfchecks",
    response_model=Page[SelfCheckOut],
    **_route("自检记录列表", "monitor.selfcheck.list", "selfcheck"),
)
async def list_selfchecks(
    session: SessionDep, scope: RegionScope, page: PageDep, f: selfchecks.FilterDep, audit: AuditDep
) -> Page[SelfCheckOut]:
    """按设备、自检时间、结果（通过 / 未通过）筛选，最新的在前。"""
    items, total = await selfchecks.page(session, scope, f, page)
    await audit.commit(session, detail=_given(f, total=total))
    return Page(items=items, total=total, page=page.page, size=page.size)


@router.get(
    "/selfchecks/{selfcheck_id}",
    response_model=SelfCheckDetail,
    **_route("自检详情", "monitor.selfcheck.read", "selfcheck", responses=NOT_FOUND),
)
async def get_selfcheck(
    selfcheck_id: RowId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> SelfCheckDetail:
    """一次自检的各部件结果。"""
    detail = await selfchecks.detail(session, scope, selfcheck_id)
    await audit.commit(session)
    return detail


@router.get(
    "/device-logs", response_model=Page[LogOut], **_route("查看设备日志", "monitor.log.search", "device_log")
)
async def search_logs(
    session: SessionDep, scope: RegionScope, page: PageDep, f: device_logs.FilterDep, audit: AuditDep
) -> Page[LogOut]:
    """按设备、级别（或最低级别）、时间段、内容关键字检索，最新的在前。"""
    items, total = await device_logs.page(session, scope, f, page)
    await audit.commit(session, detail=_given(f, total=total))
    return Page(items=items, total=total, page=page.page, size=page.size)


@router.get(
    "/device-states",
    response_model=Page[StateOut],
    **_route("设备运行情况与在线状态", "monitor.state.list", "device"),
)
async def list_states(
    session: SessionDep, scope: RegionScope, page: PageDep, f: states.FilterDep, audit: AuditDep
) -> Page[StateOut]:
    """每台设备的在线状态（在线 / 离线）与运行情况（正常 / 异常 / 未知，及异常部件）；
    可按设备编号、状态筛选。"""
    items, total = await states.page(session, scope, f, page)
    await audit.commit(session, detail=_given(f, total=total))
    return Page(items=items, total=total, page=page.page, size=page.size)


@router.get(
    "/device-states/{device_id}",
    response_model=StateDetail,
    **_route("设备状态详情", "monitor.state.read", "device", responses=NOT_FOUND),
)
async def get_state(
    device_id: DeviceId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> StateDetail:
    """当前状态及最近一次心跳上报的各部件状态。"""
    detail = await states.detail(session, scope, device_id)
    await audit.commit(session)
    return detail


@router.get(
    "/device-states/{device_id}/history",
    response_model=Page[StateChangeOut],
    **_route("设备状态变化历史", "monitor.state.history", "device", responses=NOT_FOUND),
)
async def state_history(
    device_id: DeviceId,
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    since: Annotated[datetime | None, Query(description="起（含）")] = None,
    until: Annotated[datetime | None, Query(description="止（不含）")] = None,
) -> Page[StateChangeOut]:
    """每一次上线、离线（心跳超时）与运行情况变化，最新的在前。"""
    items, total = await states.history(session, scope, device_id, page, since, until)
    await audit.commit(session, detail={"total": total})
    return Page(items=items, total=total, page=page.page, size=page.size)
