"""审计日志查阅与校验：`/api/v1/admin/audit/...`（审计管理员；查阅本身也被审计）。"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.audit.service import report_dict, verify_async
from services.base import db
from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.models import AuditEntry
from services.base.pagination import Page, PageDep, paginate
from services.base.permissions import Perm
from services.base.security import RegionScope, Scope, permit
from yikatong import regions

router = APIRouter(prefix="/api/v1/admin/audit", tags=["审计日志"], responses=COMMON_RESPONSES)


class AuditOut(BaseModel):
    seq: int
    at: datetime
    actor: str = Field(description="操作人（用户名）")
    actor_role: str | None
    actor_region: str | None
    action: str = Field(description="动作，如 device.create")
    object_type: str | None
    object_id: str | None
    result: str = Field(description="成功 / 失败")
    reason: str | None
    detail: Any = None
    client_ip: str | None
    request_id: str | None


class VerifyOut(BaseModel):
    ok: bool = Field(description="审计链完整")
    rows: int
    issues: list[dict] = Field(description="发现的问题：altered 篡改、inserted 插入、deleted 删除、head 链头")


def _visible(scope: Scope):
    clause = scope.where(AuditEntry.actor_region)
    return sa.or_(clause, AuditEntry.actor_region.is_(None)) if scope.region_code == regions.CITY else clause


def _out(row: AuditEntry) -> AuditOut:
    fields = {c: getattr(row, c) for c in AuditOut.model_fields if c != "detail"}
    return AuditOut(**fields, detail=json.loads(row.detail) if row.detail else None)


@router.get(
    "",
    summary="查阅审计日志",
    response_model=Page[AuditOut],
    dependencies=[permit(Perm.AUDIT_READ, "audit.list")],
    description="本人区域及下级区域工作人员的操作记录，按序号倒序。",
)
async def list_entries(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    actor: Annotated[str | None, Query(max_length=64, description="操作人")] = None,
    action: Annotated[str | None, Query(max_length=64, description="动作前缀，如 device.")] = None,
    result: Annotated[str | None, Query(pattern="^(成功|失败)$", description="结果")] = None,
    object_id: Annotated[str | None, Query(max_length=64, description="对象编号")] = None,
    since: Annotated[datetime | None, Query(description="起始时间（含）")] = None,
    until: Annotated[datetime | None, Query(description="截止时间（不含）")] = None,
) -> Page[AuditOut]:
    conditions = [
        _visible(scope),
        AuditEntry.actor == actor if actor else None,
        AuditEntry.action.startswith(action, autoescape=True) if action else None,
        AuditEntry.result == result if result else None,
        AuditEntry.object_id == object_id if object_id else None,
        AuditEntry.at >= since if since else None,
        AuditEntry.at < until if until else None,
    ]
    query = (
        sa.select(AuditEntry).where(*[c for c in conditions if c is not None]).order_by(AuditEntry.seq.desc())
    )
    rows, total = await paginate(session, query, page)
    await audit.commit(session, detail={"actor": actor, "action": action, "page": page.page})
    return Page(items=[_out(r) for r in rows], total=total, page=page.page, size=page.size)


@router.get(
    "/verify",
    summary="校验审计链",
    response_model=VerifyOut,
    dependencies=[permit(Perm.AUDIT_READ, "audit.verify")],
    description="逐条核对 HMAC-SM3 链：报告被篡改、插入或删除的记录（与 `ykt audit verify` 相同）。",
)
async def verify(session: SessionDep, audit: AuditDep) -> VerifyOut:
    async with db.sessionmaker()() as reader:
        report = await verify_async(reader)
    await audit.commit(session, detail={"ok": report.ok, "rows": report.rows, "issues": len(report.issues)})
    return VerifyOut(**report_dict(report))
