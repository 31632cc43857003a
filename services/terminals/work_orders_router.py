"""维修工单（seed 2.3）：故障派单 → 维修记录 → 关闭；与告警相同的权限、区域范围与审计。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.pagination import Page, PageDep
from services.base.security import CurrentUser, RegionScope
from services.terminals import clock, work_orders
from services.terminals.alarms_router import CHANGES, RowId, manage_route, read_route
from services.terminals.monitoring_schemas import (
    CloseIn,
    RepairIn,
    WorkOrderDetail,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderStatus,
)

router = APIRouter(prefix="/api/v1/admin", tags=["告警与工单"], responses=COMMON_RESPONSES)


@router.get(
    "/work-orders",
    response_model=Page[WorkOrderOut],
    **read_route("维修工单列表", "work_order.list", "work_order"),
)
async def list_work_orders(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    device_id: Annotated[str | None, Query(max_length=20, description="设备编号")] = None,
    status: Annotated[WorkOrderStatus | None, Query(description="已派单 / 维修中 / 已修复 / 已关闭")] = None,
) -> Page[WorkOrderOut]:
    """最新的在前。"""
    items, total = await work_orders.page(session, scope, device_id, status, page)
    await audit.commit(session, detail={"device_id": device_id, "status": status, "total": total})
    return Page(items=items, total=total, page=page.page, size=page.size)


@router.post(
    "/work-orders",
    response_model=WorkOrderOut,
    status_code=status.HTTP_201_CREATED,
    **manage_route("故障派单", "work_order.create", "work_order"),
)
async def dispatch(
    body: WorkOrderIn, session: SessionDep, scope: RegionScope, user: CurrentUser, audit: AuditDep
) -> WorkOrderOut:
    """针对一条告警（每条告警至多一张工单，派单即确认告警）或直接针对一台设备的故障派单给维修人员。"""
    order = await work_orders.dispatch(session, scope, body, user, clock.now())
    await audit.commit(
        session, object_id=str(order.id), detail={"device_id": order.device_id, "alarm_id": order.alarm_id}
    )
    return order


@router.get(
    "/work-orders/{order_id}",
    response_model=WorkOrderDetail,
    **read_route("工单详情", "work_order.read", "work_order", responses=CHANGES),
)
async def get_work_order(
    order_id: RowId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> WorkOrderDetail:
    """工单及其全部维修记录。"""
    detail = await work_orders.detail(session, scope, order_id)
    await audit.commit(session)
    return detail


@router.post(
    "/work-orders/{order_id}/repairs",
    response_model=WorkOrderDetail,
    status_code=status.HTTP_201_CREATED,
    **manage_route("填写维修记录", "work_order.repair", "work_order"),
)
async def add_repair(
    order_id: RowId,
    body: RepairIn,
    session: SessionDep,
    scope: RegionScope,
    user: CurrentUser,
    audit: AuditDep,
) -> WorkOrderDetail:
    """结果为“已修复”则工单变为已修复（可关闭），“未修复”则为维修中。已关闭的工单不能再添加。"""
    detail = await work_orders.add_repair(session, scope, order_id, body, user, clock.now())
    await audit.commit(session, detail={"result": body.result})
    return detail


@router.post(
    "/work-orders/{order_id}/close",
    response_model=WorkOrderDetail,
    **manage_route("关闭工单", "work_order.close", "work_order"),
)
async def close_work_order(
    order_id: RowId,
    body: CloseIn,
    session: SessionDep,
    scope: RegionScope,
    user: CurrentUser,
    audit: AuditDep,
) -> WorkOrderDetail:
    """须已有“已修复”的维修记录。"""
    detail = await work_orders.close(session, scope, order_id, body, user, clock.now())
    await audit.commit(session, detail={"note": body.note})
    return detail
