"""合作系统登记（工作人员）：`/api/v1/admin/partners/...` 登记、查询、停用、重新签发密钥。"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ApiError, conflict, not_found
from services.base.pagination import Page, PageDep, paginate
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, Scope, staff_route
from services.capabilities import credentials
from services.capabilities.models import Partner
from services.capabilities.partner_auth import SCOPES
from yikatong import regions

router = APIRouter(prefix="/api/v1/admin/partners", tags=["合作系统"], responses=COMMON_RESPONSES)
PartnerId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{3,32}$", description="合作系统编号")]
NOT_FOUND = {404: {"description": "合作系统不存在或不在您的管辖区域内"}}


class PartnerCreate(BaseModel):
    """登记合作系统。"""

    model_config = ConfigDict(extra="forbid")

    partner_id: str = Field(pattern=r"^[A-Za-z0-9_-]{3,32}$", description="编号（3–32 位字母、数字、_ -）")
    name: str = Field(min_length=2, max_length=50, description="系统名称，如 天府通办")
    region_code: str = Field(pattern=r"^\d{6}$", description="所属区域（县级及以上行政区划代码）")
    scopes: list[str] = Field(min_length=1, description="可调用的能力：ocr、face、qa、keys")
    contact: str | None = Field(default=None, max_length=100, description="联系人及电话")

    @field_validator("scopes")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(SCOPES))
        if unknown:
            raise ValueError(f"未知的能力：{'、'.join(unknown)}（可选 ocr、face、qa、keys）")
        return sorted(set(value))


class PartnerOut(BaseModel):
    partner_id: str
    name: str
    region_code: str
    scopes: list[str]
    status: str
    contact: str | None
    registered_by: str
    created_at: datetime


class PartnerCredential(BaseModel):
    """签名密钥（仅在登记或重新签发时返回一次）。"""

    partner_id: str
    secret: str = Field(description="64 位十六进制 HMAC-SM3 密钥，请妥善保存")


class PartnerCreated(PartnerOut):
    credential: PartnerCredential


def _route(summary: str, action: str, **kwargs) -> dict:
    return staff_route(summary, Perm.PARTNER_MANAGE, action, "partner", **kwargs)


def _out(p: Partner) -> dict:
    return {c: getattr(p, c) for c in PartnerOut.model_fields}


async def _scoped(session: SessionDep, scope: Scope, partner_id: str) -> Partner:
    partner = await session.get(Partner, partner_id, with_for_update=True)
    if partner is None or not scope.contains(partner.region_code):
        raise not_found("合作系统")
    return partner


@router.post(
    "",
    response_model=PartnerCreated,
    status_code=status.HTTP_201_CREATED,
    **_route("登记合作系统", "partner.create"),
)
async def register(
    body: PartnerCreate, session: SessionDep, scope: RegionScope, user: CurrentUser, audit: AuditDep
) -> PartnerCreated:
    """登记一个调用平台能力的外部系统并签发签名密钥（只返回一次）；区域须在本人管辖范围内。"""
    if not regions.exists(body.region_code) or not scope.contains(body.region_code):
        raise ApiError(422, "REGION_OUT_OF_SCOPE", "所属区域不存在或不在您的管辖区域内")
    if await session.get(Partner, body.partner_id) is not None:
        raise conflict("PARTNER_EXISTS", "合作系统编号已存在")
    secret = credentials.new_secret()
    partner = Partner(
        **body.model_dump(),
        credential=credentials.seal(secret, body.partner_id),
        registered_by=user.username,
        status="启用",
    )
    session.add(partner)
    await session.flush()
    await audit.commit(session, object_id=partner.partner_id, detail={"scopes": partner.scopes})
    return PartnerCreated(
        **_out(partner), credential=PartnerCredential(partner_id=partner.partner_id, secret=secret)
    )


@router.get("", response_model=Page[PartnerOut], **_route("查询合作系统", "partner.list"))
async def list_partners(
    session: SessionDep, scope: RegionScope, page: PageDep, audit: AuditDep
) -> Page[PartnerOut]:
    """本人区域及下级区域登记的合作系统，按编号排序。"""
    query = sa.select(Partner).where(scope.where(Partner.region_code)).order_by(Partner.partner_id)
    rows, total = await paginate(session, query, page)
    await audit.commit(session, detail={"total": total})
    return Page(items=[PartnerOut(**_out(p)) for p in rows], total=total, page=page.page, size=page.size)


@router.post(
    "/{partner_id}/deactivate",
    response_model=PartnerOut,
    **_route("停用合作系统", "partner.deactivate", responses=NOT_FOUND),
)
async def deactivate(
    partner_id: PartnerId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> PartnerOut:
    """停用后该系统的所有请求被拒绝（403 PARTNER_DISABLED）。"""
    partner = await _scoped(session, scope, partner_id)
    partner.status = "停用"
    await audit.commit(session)
    return PartnerOut(**_out(partner))


@router.post(
    "/{partner_id}/credential",
    response_model=PartnerCredential,
    **_route("重新签发合作系统密钥", "partner.credential.reissue", responses=NOT_FOUND),
)
async def reissue(
    partner_id: PartnerId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> PartnerCredential:
    """签发新的签名密钥，旧密钥立即失效。"""
    partner = await _scoped(session, scope, partner_id)
    secret = credentials.new_secret()
    partner.credential = credentials.seal(secret, partner_id)
    await audit.commit(session)
    return PartnerCredential(partner_id=partner_id, secret=secret)
