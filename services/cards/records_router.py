"""成品卡管理与发卡记录查询：`/api/v1/admin/finished-cards/...`、`/api/v1/admin/issuances/...`。"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, not_found
from services.base.pagination import Page, PageDep, paginate
from services.base.permissions import Perm
from services.base.security import RegionScope, staff_route
from services.cards import filters
from services.cards.models import CardPickup, FinishedCard, Issuance
from services.cards.schemas import (
    FinishedCardDetail,
    FinishedCardOut,
    FinishedState,
    IssuanceOut,
    IssueType,
    PickupOut,
    outlet_name,
)

router = APIRouter(prefix="/api/v1/admin", responses=COMMON_RESPONSES)
RecordId = Annotated[int, Path(ge=1, le=2**62, description="记录编号")]
CardNoQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z][0-9A-Za-z]\d{7}$", description="卡号")]


def _out(model: type, row: Any, **extra: Any) -> Any:
    fields = {name: getattr(row, name) for name in model.model_fields if hasattr(row, name)}
    return model(**fields | {"outlet_name": outlet_name(row.outlet_code)} | extra)


@router.get(
    "/finished-cards",
    response_model=Page[FinishedCardOut],
    tags=["成品卡管理"],
    **staff_route("查询成品卡", Perm.CARD_READ, "finished_card.list", "finished_card"),
)
async def list_finished(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    where: filters.WhereDep,
    state: Annotated[FinishedState | None, Query(description="领取状态")] = None,
    card_no: CardNoQuery = None,
    batch_no: Annotated[str | None, Query(max_length=16, description="制卡批次号")] = None,
) -> Page[FinishedCardOut]:
    """按设备、网点、区域、领取状态、卡号、批次、读卡时间查询；待领的卡出库时间为空。"""
    conditions = filters.conditions(scope, where, FinishedCard, FinishedCard.read_at)
    conditions += [c for c in (
        FinishedCard.state == state if state else None,
        FinishedCard.card_no == card_no.upper() if card_no else None,
        FinishedCard.batch_no == batch_no if batch_no else None,
    ) if c is not None]  # fmt: skip
    query = sa.select(FinishedCard).where(*conditions).order_by(FinishedCard.read_at.desc(), FinishedCard.id)
    items, total = await paginate(session, query, page)
    await audit.commit(session, detail=where.audit() | {"state": state, "total": total})
    return Page(items=[_out(FinishedCardOut, c) for c in items], total=total, page=page.page, size=page.size)


@router.get(
    "/finished-cards/{card_id}",
    response_model=FinishedCardDetail,
    tags=["成品卡管理"],
    **staff_route(
        "成品卡详情",
        Perm.CARD_READ,
        "finished_card.read",
        "finished_card",
        responses={404: {"description": "不存在或不在管辖区域内"}},
    ),
)
async def finished_detail(
    card_id: RecordId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> FinishedCardDetail:
    """一张成品卡及其每次领卡（代领人信息脱敏显示）。"""
    query = sa.select(FinishedCard).where(FinishedCard.id == card_id, scope.where(FinishedCard.region_code))
    card = await session.scalar(query)
    if card is None:
        raise not_found("成品卡")
    pickups = await session.scalars(
        sa.select(CardPickup).where(CardPickup.finished_card_id == card.id).order_by(CardPickup.id)
    )
    history = [PickupOut.model_validate(p, from_attributes=True) for p in pickups]
    await audit.commit(session, detail={"card_no": card.card_no})
    return _out(FinishedCardDetail, card, pickups=history)


@router.get(
    "/issuances",
    response_model=Page[IssuanceOut],
    tags=["发卡记录"],
    **staff_route("查询发卡记录", Perm.CARD_READ, "issuance.list", "issuance"),
)
async def list_issuances(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    where: filters.WhereDep,
    issue_type: Annotated[IssueType | None, Query(description="发卡方式：领卡 / 补卡 / 换卡")] = None,
    card_no: CardNoQuery = None,
) -> Page[IssuanceOut]:
    """按设备、网点、区域、发卡方式、卡号、发卡时间查询，最新的在前。"""
    conditions = filters.conditions(scope, where, Issuance, Issuance.issued_at)
    if issue_type:
        conditions.append(Issuance.issue_type == issue_type)
    if card_no:
        conditions.append(Issuance.card_no == card_no.upper())
    query = sa.select(Issuance).where(*conditions).order_by(Issuance.issued_at.desc(), Issuance.id.desc())
    items, total = await paginate(session, query, page)
    await audit.commit(session, detail=where.audit() | {"issue_type": issue_type, "total": total})
    return Page(items=[_out(IssuanceOut, i) for i in items], total=total, page=page.page, size=page.size)


@router.get(
    "/issuances/{issuance_id}",
    response_model=IssuanceOut,
    tags=["发卡记录"],
    **staff_route(
        "发卡记录详情",
        Perm.CARD_READ,
        "issuance.read",
        "issuance",
        responses={404: {"description": "不存在或不在管辖区域内"}},
    ),
)
async def issuance_detail(
    issuance_id: RecordId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> IssuanceOut:
    """一条发卡记录。"""
    query = sa.select(Issuance).where(Issuance.id == issuance_id, scope.where(Issuance.region_code))
    record = await session.scalar(query)
    if record is None:
        raise not_found("发卡记录")
    await audit.commit(session, detail={"card_no": record.card_no})
    return _out(IssuanceOut, record)
