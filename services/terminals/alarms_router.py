"""告警（seed 2.3）：查询、确认、清除（部件恢复或设备重新上线时由系统自动清除）。

Reads need `monitor:read`, changes `monitor:manage`; all within the caller's region subtree
(another county's alarm is the same 404 as a missing one) and all audited. The route helpers
(`read_route`, `manage_route`, `RowId`) serve the work-order routes too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ErrorBody
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, staff_route
from services.terminals import alarms, clock
from services.terminals.monitoring_schemas import AlarmNote, AlarmOut

router = APIRouter(prefix="/api/v1/admin", tags=["告警与工单"], responses=COMMON_RESPONSES)
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="编号")]
CHANGES = {
    404: {"model": ErrorBody, "description": "不存在或不在您的管辖区域内"},
    409: {"model": ErrorBody, "description": "当前状态不允许此操作"},
}


def read_route(summary: str, action: str, object_type: str, **kwargs) -> dict:
    return staff_route(summary, Perm.MONITOR_READ, action, object_type, **kwargs)


def manage_route(summary: str, action: str, object_type: str) -> dict:
    return staff_route(summary, Perm.MONITOR_MANAGE, action, object_type, responses=CHANGES)


@router.get("/alarms", response_model=Page[AlarmOut], **read_route("告警列表", "alarm.list", "alarm"))
async def list_alarms(
    session: SessionDep, scope: RegionScope, page: PageDep, f: alarms.FilterDep, audit: AuditDep
) -> Page[AlarmOut]:
    """按设备、状态、级别、类型、产生时间筛选，最新的在前。"""
    items, total = await alarms.page(session, scope, f, page)
    await audit.commit(session, detail={k: v for k, v in vars(f).items() if v is not None} | {"total": total})
    return Page(items=items, total=total, page=page.page, size=page.size)


@router.get(
    "/alarms/{alarm_id}",
    response_model=AlarmOut,
    **read_route("告警详情", "alarm.read", "alarm", responses=CHANGES),
)
async def get_alarm(alarm_id: RowId, session: SessionDep, scope: RegionScope, audit: AuditDep) -> AlarmOut:
    """一条告警。"""
    alarm, name = await alarms.get(session, scope, alarm_id)
    await audit.commit(session)
    return AlarmOut(**alarms.alarm_out(alarm, name))


@router.post(
    "/alarms/{alarm_id}/acknowledge",
    response_model=AlarmOut,
    **manage_route("确认告警", "alarm.acknowledge", "alarm"),
)
async def acknowledge_alarm(
    alarm_id: RowId,
    session: SessionDep,
    scope: RegionScope,
    user: CurrentUser,
    audit: AuditDep,
    body: AlarmNote | None = None,
) -> AlarmOut:
    """已知悉、处理中（只有未处理的告警可以确认）。"""
    alarm, name = await alarms.get(session, scope, alarm_id, lock=True)
    alarms.acknowledge(alarm, user.username, clock.now())
    await audit.commit(session, detail={"note": body.note if body else None})
    return AlarmOut(**alarms.alarm_out(alarm, name))


@router.post(
    "/alarms/{alarm_id}/clear", response_model=AlarmOut, **manage_route("清除告警", "alarm.clear", "alarm")
)
async def clear_alarm(
    alarm_id: RowId,
    body: AlarmNote,
    session: SessionDep,
    scope: RegionScope,
    user: CurrentUser,
    audit: AuditDep,
) -> AlarmOut:
    """人工清除（须填写说明）。部件恢复正常或设备重新上线时告警由系统自动清除。"""
    alarm, name = await alarms.get(session, scope, alarm_id, lock=True)
    alarms.clear(alarm, user.username, body.note, clock.now())
    await audit.commit(session, detail={"note": body.note})
    return AlarmOut(**alarms.alarm_out(alarm, name))
