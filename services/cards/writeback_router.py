"""数据回盘：`/api/v1/admin/writebacks/...`（回盘记录、失败列表、每次尝试、仅对失败记录手工回盘）。"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.pagination import Page, PageDep, paginate
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, staff_route
from services.cards import filters, writeback
from services.cards.card_system_client import CardSystemClient
from services.cards.models import Writeback
from services.cards.schemas import AttemptOut, WritebackDetail, WritebackOut, WritebackState, outlet_name

router = APIRouter(prefix="/api/v1/admin/writebacks", tags=["数据回盘"], responses=COMMON_RESPONSES)
RecordId = Annotated[int, Path(ge=1, le=2**62, description="回盘记录编号")]
NOT_FOUND = {404: {"description": "回盘记录不存在或不在您的管辖区域内"}}


def _out(record: Writeback) -> WritebackOut:
    fields = {name: getattr(record, name) for name in WritebackOut.model_fields if hasattr(record, name)}
    return WritebackOut(**fields, outlet_name=outlet_name(record.outlet_code))


async def _detail(session: SessionDep, record: Writeback) -> WritebackDetail:
    attempts = [
        AttemptOut.model_validate(a, from_attributes=True)
        for a in await writeback.history(session, record.id)
    ]
    return WritebackDetail(**_out(record).model_dump(), history=attempts)


@router.get(
    "",
    response_model=Page[WritebackOut],
    **staff_route("查询回盘记录", Perm.CARD_READ, "writeback.list", "writeback"),
)
async def list_writebacks(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    where: filters.WhereDep,
    state: Annotated[WritebackState | None, Query(description="状态；失败列表即 state=失败")] = None,
    card_no: Annotated[str | None, Query(pattern=r"^[A-Za-z][0-9A-Za-z]\d{7}$")] = None,
) -> Page[WritebackOut]:
    """按状态、设备、网点、区域、卡号、上报时间查询，最近更新的在前。"""
    conditions = filters.conditions(scope, where, Writeback, Writeback.created_at)
    if state:
        conditions.append(Writeback.state == state)
    if card_no:
        conditions.append(Writeback.card_no == card_no.upper())
    query = sa.select(Writeback).where(*conditions).order_by(Writeback.updated_at.desc(), Writeback.id.desc())
    items, total = await paginate(session, query, page)
    await audit.commit(session, detail=where.audit() | {"state": state, "total": total})
    return Page(items=[_out(r) for r in items], total=total, page=page.page, size=page.size)


@router.get(
    "/{record_id}",
    response_model=WritebackDetail,
    **staff_route("回盘记录详情", Perm.CARD_READ, "writeback.read", "writeback", responses=NOT_FOUND),
)
async def detail(
    record_id: RecordId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> WritebackDetail:
    """一条回盘记录与其每一次尝试（设备自动、自动重试、人工重试）。"""
    record = await writeback.get(session, scope, record_id)
    out = await _detail(session, record)
    await audit.commit(session, detail={"card_no": record.card_no})
    return out


@router.post(
    "/{record_id}/retry",
    response_model=WritebackDetail,
    **staff_route(
        "手工回盘",
        Perm.CARD_WRITE,
        "writeback.retry",
        "writeback",
        responses=NOT_FOUND | {409: {"description": "只能对回盘失败的记录手工回盘"}},
    ),
)
async def retry(
    record_id: RecordId, session: SessionDep, scope: RegionScope, user: CurrentUser, audit: AuditDep
) -> WritebackDetail:
    """立即向省卡管系统重新回盘一次（仅限状态为“失败”的记录）；结果与本次尝试一并记录。"""
    async with CardSystemClient() as client:
        record, ok = await writeback.manual_retry(session, scope, record_id, user.username, client)
    await audit.ok(session, detail={"card_no": record.card_no, "result": "成功" if ok else "失败"})
    out = await _detail(session, record)
    await session.commit()
    return out
