"""维修工单（seed 2.3）：故障 → 派单 → 维修记录 → 关闭。

States: 已派单 (dispatched) → 维修中 (a visit that did not fix it) / 已修复 (the last visit fixed
it) → 已关闭. Closing needs a repair record that fixed the fault; a closed order takes no more
records. An alarm gets at most one work order (unique `alarm_id`); dispatching acknowledges it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import conflict, invalid
from services.base.pagination import PageParams
from services.base.security import Principal, Scope
from services.terminals.models import Device
from services.terminals.monitoring_models import Alarm, RepairRecord, WorkOrder
from services.terminals.monitoring_schemas import CloseIn, RepairIn, RepairOut, WorkOrderDetail, WorkOrderOut
from services.terminals.scoping import in_scope, page_rows, scoped_device, scoped_row


def order_out(order: WorkOrder, device_name: str) -> dict:
    return {c.name: getattr(order, c.name) for c in WorkOrder.__table__.columns} | {
        "device_name": device_name
    }


async def dispatch(session: AsyncSession, scope: Scope, body, user: Principal, now: datetime) -> WorkOrderOut:
    """派单：from an open alarm (its message is the fault unless one is given) or for a device."""
    if body.alarm_id is not None:
        alarm, name = await scoped_row(session, scope, Alarm, body.alarm_id, "告警", lock=True)
        if alarm.status == "已清除":
            raise conflict("ALARM_ALREADY_CLEARED", "告警已清除，无需派单")
        if alarm.work_order_id is not None:
            raise conflict("ALARM_HAS_WORK_ORDER", "该告警已派单", {"work_order_id": alarm.work_order_id})
        device_id, fault = alarm.device_id, body.fault or alarm.message
    else:
        alarm, device = None, await scoped_device(session, scope, body.device_id)
        device_id, fault, name = device.device_id, body.fault, device.name
    order = WorkOrder(
        device_id=device_id,
        alarm_id=alarm.id if alarm else None,
        fault=fault,
        assignee=body.assignee,
        assignee_phone=body.assignee_phone,
        status="已派单",
        created_by=user.username,
        created_at=now,
    )
    session.add(order)
    await session.flush()
    if alarm is not None:
        alarm.work_order_id = order.id
        if alarm.status == "未处理":
            alarm.status, alarm.acknowledged_by, alarm.acknowledged_at = "已确认", user.username, now
    return WorkOrderOut(**order_out(order, name))


async def get(session: AsyncSession, scope: Scope, order_id: int, *, lock: bool = False):
    return await scoped_row(session, scope, WorkOrder, order_id, "工单", lock=lock)


async def detail(session: AsyncSession, scope: Scope, order_id: int) -> WorkOrderDetail:
    order, name = await get(session, scope, order_id)
    return await _with_repairs(session, order, name)


async def _with_repairs(session: AsyncSession, order: WorkOrder, name: str) -> WorkOrderDetail:
    query = sa.select(RepairRecord).where(RepairRecord.work_order_id == order.id).order_by(RepairRecord.id)
    repairs = (await session.scalars(query)).all()
    fields = [c.name for c in RepairRecord.__table__.columns if c.name != "work_order_id"]
    return WorkOrderDetail(
        **order_out(order, name), repairs=[RepairOut(**{k: getattr(r, k) for k in fields}) for r in repairs]
    )


async def add_repair(
    session: AsyncSession, scope: Scope, order_id: int, body: RepairIn, user: Principal, now: datetime
) -> WorkOrderDetail:
    order, name = await get(session, scope, order_id, lock=True)
    if order.status == "已关闭":
        raise conflict("WORK_ORDER_CLOSED", "工单已关闭，不能再添加维修记录")
    repaired_at = body.repaired_at or now
    if repaired_at.tzinfo is None or repaired_at > now or repaired_at < order.created_at:
        raise invalid("BAD_REPAIR_TIME", "维修时间须带时区，且在派单之后、当前时间之前")
    session.add(
        RepairRecord(work_order_id=order.id, repairer=body.repairer, repaired_at=repaired_at,
                     action=body.action, result=body.result, recorded_by=user.username, recorded_at=now)
    )  # fmt: skip
    order.status = "已修复" if body.result == "已修复" else "维修中"
    await session.flush()
    return await _with_repairs(session, order, name)


async def close(
    session: AsyncSession, scope: Scope, order_id: int, body: CloseIn, user: Principal, now: datetime
) -> WorkOrderDetail:
    order, name = await get(session, scope, order_id, lock=True)
    if order.status == "已关闭":
        raise conflict("WORK_ORDER_CLOSED", "工单已关闭")
    if order.status != "已修复":
        raise conflict("WORK_ORDER_NOT_REPAIRED", "工单尚无“已修复”的维修记录，不能关闭")
    order.status, order.closed_by, order.closed_at, order.close_note = "已关闭", user.username, now, body.note
    return await _with_repairs(session, order, name)


async def page(
    session: AsyncSession, scope: Scope, device_id: str | None, status: str | None, params: PageParams
) -> tuple[list[WorkOrderOut], int]:
    conditions = [
        WorkOrder.device_id == device_id if device_id else None,
        WorkOrder.status == status if status else None,
    ]
    query = (
        in_scope(sa.select(WorkOrder, Device.name), scope, WorkOrder.device_id)
        .where(*[c for c in conditions if c is not None])
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
    )
    rows, total = await page_rows(session, query, params)
    return [WorkOrderOut(**order_out(order, name)) for order, name in rows], total
