"""预制卡管理：`/api/v1/admin/blank-cards/...`（设备列表及其数量 / 已使用 / 未使用、添加、详情）。"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.pagination import Page, PageDep, paginate
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, staff_route
from services.cards import filters, stock
from services.cards.models import BlankCardAddition, BlankCardUsage
from services.cards.rows import page_rows
from services.cards.schemas import AdditionIn, AdditionOut, AdditionResult, LedgerOut, UsageOut, outlet_name
from services.terminals import repository as devices
from services.terminals.models import Device
from services.terminals.schemas import DEVICE_ID_HINT

router = APIRouter(prefix="/api/v1/admin/blank-cards", tags=["预制卡管理"], responses=COMMON_RESPONSES)
DeviceId = Annotated[str, Path(max_length=20, description=DEVICE_ID_HINT)]
NOT_FOUND = {404: {"description": "设备不存在或不在您的管辖区域内"}}


def _route(summary: str, action: str, *, write: bool = False, **kwargs: Any) -> dict:
    return staff_route(summary, Perm.CARD_WRITE if write else Perm.CARD_READ, action, "device", **kwargs)


def ledger_out(device: Device, added: int, used: int, updated_at: Any) -> LedgerOut:
    return LedgerOut(
        device_id=device.device_id,
        device_name=device.name,
        device_status=device.status,
        outlet_code=device.outlet_code,
        outlet_name=outlet_name(device.outlet_code),
        region_code=device.region_code,
        added_total=added,
        used_total=used,
        remaining=added - used,
        updated_at=updated_at,
    )


@router.get("", response_model=Page[LedgerOut], **_route("预制卡管理列表", "blank_card.list"))
async def ledger(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    where: filters.WhereDep,
    max_remaining: Annotated[
        int | None, Query(ge=0, le=stock.MAX_REMAINING, description="未使用不超过（找出需添加的设备）")
    ] = None,
) -> Page[LedgerOut]:
    """本人区域内每台设备的预制卡数量、已使用、未使用（未添加过的设备为 0）。"""
    query = stock.ledger_query(filters.conditions(scope, where, Device, None), max_remaining)
    rows, total = await page_rows(session, query, page)
    await audit.commit(session, detail=where.audit() | {"max_remaining": max_remaining, "total": total})
    return Page(items=[ledger_out(*r) for r in rows], total=total, page=page.page, size=page.size)


async def _ledger_of(session: SessionDep, device: Device) -> LedgerOut:
    current = await stock.balance(session, device.device_id)
    return ledger_out(device, current.added_total, current.used_total, None)


@router.get(
    "/{device_id}",
    response_model=LedgerOut,
    **_route("设备预制卡详情", "blank_card.read", responses=NOT_FOUND),
)
async def detail(device_id: DeviceId, session: SessionDep, scope: RegionScope, audit: AuditDep) -> LedgerOut:
    """一台设备的预制卡数量、已使用、未使用。"""
    device = await devices.get_device(session, scope, device_id)
    out = await _ledger_of(session, device)
    await audit.commit(session)
    return out


@router.post(
    "/{device_id}/additions",
    response_model=AdditionResult,
    status_code=status.HTTP_201_CREATED,
    **_route(
        "添加预制卡", "blank_card.add", write=True, responses=NOT_FOUND | {409: {"description": "设备已停用"}}
    ),
)
async def add(
    device_id: DeviceId,
    body: AdditionIn,
    session: SessionDep,
    scope: RegionScope,
    user: CurrentUser,
    audit: AuditDep,
) -> AdditionResult:
    """登记放入设备的预制卡数量（须与实际放入的一致）；数量 1–1000，添加后未使用不超过 5000。"""
    device = await devices.get_device(session, scope, device_id)
    balance, addition = await stock.add(session, device, body.quantity, body.remark, user)
    await audit.commit(session, detail={"quantity": body.quantity, "remaining": balance.remaining})
    ledger = ledger_out(device, balance.added_total, balance.used_total, addition.added_at)
    return AdditionResult(addition=AdditionOut.model_validate(addition, from_attributes=True), ledger=ledger)


@router.get(
    "/{device_id}/additions",
    response_model=Page[AdditionOut],
    **_route("预制卡添加详情", "blank_card.additions", responses=NOT_FOUND),
)
async def additions(
    device_id: DeviceId, session: SessionDep, scope: RegionScope, page: PageDep, audit: AuditDep
) -> Page[AdditionOut]:
    """每次添加的时间、数量、操作人，最新的在前。"""
    await devices.get_device(session, scope, device_id)
    query = sa.select(BlankCardAddition).where(BlankCardAddition.device_id == device_id)
    items, total = await paginate(session, query.order_by(BlankCardAddition.id.desc()), page)
    await audit.commit(session, detail={"total": total})
    out = [AdditionOut.model_validate(a, from_attributes=True) for a in items]
    return Page(items=out, total=total, page=page.page, size=page.size)


@router.get(
    "/{device_id}/usages",
    response_model=Page[UsageOut],
    **_route("预制卡使用明细", "blank_card.usages", responses=NOT_FOUND),
)
async def usages(
    device_id: DeviceId, session: SessionDep, scope: RegionScope, page: PageDep, audit: AuditDep
) -> Page[UsageOut]:
    """设备上报的每次使用（制卡 / 废卡），最新的在前。"""
    await devices.get_device(session, scope, device_id)
    query = sa.select(BlankCardUsage).where(BlankCardUsage.device_id == device_id)
    items, total = await paginate(session, query.order_by(BlankCardUsage.id.desc()), page)
    await audit.commit(session, detail={"total": total})
    out = [UsageOut.model_validate(u, from_attributes=True) for u in items]
    return Page(items=out, total=total, page=page.page, size=page.size)
