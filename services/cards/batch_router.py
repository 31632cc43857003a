"""制卡批次：`/api/v1/admin/card-batches/...`（从省卡管系统获取并保存、查询、批次中的卡）。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ErrorBody
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, staff_route
from services.cards import batches
from services.cards.card_system_client import CardSystemClient
from services.cards.models import CardBatch
from services.cards.rows import page_rows
from services.cards.schemas import BatchCardOut, BatchFetch, BatchOut, outlet_name

router = APIRouter(prefix="/api/v1/admin/card-batches", tags=["制卡批次"], responses=COMMON_RESPONSES)
BatchNo = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,16}$", description="制卡批次号")]
NOT_FOUND = {404: {"description": "批次不存在或其中没有您管辖区域内的卡"}}


def _out(batch: CardBatch, in_scope: int) -> BatchOut:
    fields = {name: getattr(batch, name) for name in BatchOut.model_fields if hasattr(batch, name)}
    return BatchOut(**fields, cards_in_scope=in_scope)


@router.post(
    "",
    response_model=BatchOut,
    status_code=status.HTTP_201_CREATED,
    **staff_route(
        "从省卡管系统获取制卡批次",
        Perm.CARD_WRITE,
        "card_batch.fetch",
        "card_batch",
        responses={
            404: {"model": ErrorBody, "description": "省卡管系统中没有该批次"},
            502: {"model": ErrorBody, "description": "省卡管系统不可用"},
        },
    ),
)
async def fetch(
    body: BatchFetch, session: SessionDep, scope: RegionScope, user: CurrentUser, audit: AuditDep
) -> BatchOut:
    """按批次号调用省卡管系统的批次查询接口，保存批次信息与其中每张卡（持卡人信息加密保存）。"""
    async with CardSystemClient() as client:
        batch, count = await batches.fetch(session, client, body.batch_no, user.username)
    await audit.commit(session, object_id=body.batch_no, detail={"cards": count})
    _, in_scope = await batches.get(session, scope, body.batch_no) if count else (batch, 0)
    return _out(batch, in_scope)


@router.get(
    "",
    response_model=Page[BatchOut],
    **staff_route("查询制卡批次", Perm.CARD_READ, "card_batch.list", "card_batch"),
)
async def list_batches(
    session: SessionDep, scope: RegionScope, page: PageDep, audit: AuditDep
) -> Page[BatchOut]:
    """已获取的批次中，含本人区域内的卡的批次（最近获取的在前）。"""
    rows, total = await page_rows(session, batches.list_query(scope), page)
    await audit.commit(session, detail={"total": total})
    return Page(items=[_out(b, n) for b, n in rows], total=total, page=page.page, size=page.size)


@router.get(
    "/{batch_no}",
    response_model=BatchOut,
    **staff_route("制卡批次详情", Perm.CARD_READ, "card_batch.read", "card_batch", responses=NOT_FOUND),
)
async def batch_detail(
    batch_no: BatchNo, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> BatchOut:
    """批次信息与其中本人区域内的卡数。"""
    batch, in_scope = await batches.get(session, scope, batch_no)
    await audit.commit(session)
    return _out(batch, in_scope)


@router.get(
    "/{batch_no}/cards",
    response_model=Page[BatchCardOut],
    **staff_route("批次中的卡", Perm.CARD_READ, "card_batch.cards", "card_batch", responses=NOT_FOUND),
)
async def batch_cards(
    batch_no: BatchNo, session: SessionDep, scope: RegionScope, page: PageDep, audit: AuditDep
) -> Page[BatchCardOut]:
    """批次中领卡网点在本人区域内的卡，按装箱位置排序（持卡人信息脱敏）。"""
    await batches.get(session, scope, batch_no)
    rows, total = await page_rows(session, batches.cards_query(scope, batch_no), page)
    await audit.commit(session, detail={"total": total})
    names = set(BatchCardOut.model_fields) - {"outlet_name"}
    items = [
        BatchCardOut(**{n: getattr(item, n) for n in names}, outlet_name=outlet_name(item.outlet_code))
        for (item,) in rows
    ]
    return Page(items=items, total=total, page=page.page, size=page.size)
