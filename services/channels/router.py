"""渠道接口：渠道登记（工作人员）、居民实名会话、业务申请与进度（居民）、受理与审核队列（工作人员）。"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Header, Path, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from services.base.audit import AuditDep, AuditIntent
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, conflict, not_found
from services.base.pagination import Page, PageDep, paginate
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, staff_route
from services.channels import flows, residents, service
from services.channels import progress as progress_query
from services.channels.models import Application, Channel
from services.channels.residents import CurrentResident
from services.channels.schemas import (
    ApplicationForm,
    ApplicationOut,
    ChannelCreate,
    ChannelOut,
    EventOut,
    ProgressOut,
    ReviewAction,
    SessionOut,
    SessionRequest,
)

staff = APIRouter(prefix="/api/v1/admin", tags=["渠道与线上业务"], responses=COMMON_RESPONSES)
public = APIRouter(prefix="/api/v1/channels", tags=["渠道与线上业务"], responses=COMMON_RESPONSES)
AppId = Annotated[int, Path(ge=1, le=2**62)]
IdemKey = Annotated[str, Header(alias="Idempotency-Key", pattern=r"^[A-Za-z0-9_-]{16,64}$")]


def _declare(request: Request, action: str, object_id: str | None = None) -> None:
    request.state.audit = AuditIntent(action, "channel_application", object_id)


async def _out(session, app: Application) -> dict:
    data = {k: getattr(app, k) for k in ApplicationOut.model_fields if k != "timeline"}
    data["timeline"] = [
        EventOut.model_validate(e, from_attributes=True)
        for e in await service.events(session, app.application_id)
    ]
    return data


@staff.post(
    "/channels",
    status_code=status.HTTP_201_CREATED,
    response_model=ChannelOut,
    **staff_route("登记渠道", Perm.CHANNEL_MANAGE, "登记渠道", "channel"),
)
async def create_channel(
    body: ChannelCreate, session: SessionDep, user: CurrentUser, scope: RegionScope, audit: AuditDep
):
    """登记渠道：类别、级别（二级渠道须有一级上级）、身份提供方公钥、推送地址、每分钟限流。"""
    if body.tier == 2:
        parent = await session.get(Channel, body.parent_id) if body.parent_id else None
        if parent is None or parent.tier != 1:
            raise conflict("PARENT_REQUIRED", "二级渠道须指定已登记的一级渠道作为上级")
    elif body.parent_id:
        raise conflict("PARENT_NOT_ALLOWED", "一级渠道直连全国平台，不能有上级")
    if not scope.contains(body.region_code):
        raise not_found("区域")
    if await session.get(Channel, body.channel_id) is not None:
        raise conflict("CHANNEL_EXISTS", "渠道编号已存在")
    channel = Channel(**body.model_dump(), registered_by=user.username, status="启用")
    session.add(channel)
    await session.flush()
    await audit.commit(session, object_id=body.channel_id)
    return channel


@staff.get(
    "/channels",
    response_model=list[ChannelOut],
    **staff_route("渠道列表", Perm.CHANNEL_MANAGE, "查询渠道", "channel"),
)
async def list_channels(session: SessionDep, scope: RegionScope):
    return (
        await session.scalars(
            sa.select(Channel).where(scope.where(Channel.region_code)).order_by(Channel.channel_id)
        )
    ).all()


@public.post(
    "/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionOut, summary="以渠道实名断言登录"
)
async def open_session(body: SessionRequest, session: SessionDep):
    """渠道把居民的 SM2 实名断言转交平台，换取 30 分钟的居民会话令牌。"""
    token, row = await residents.open_session(session, body.assertion)
    return {
        "token": token,
        "expires_at": row.expires_at,
        "channel_id": row.channel_id,
        "id_masked": row.id_masked,
        "name_masked": row.name_masked,
    }


@public.get("/flows", summary="业务流程声明")
async def list_flows() -> dict:
    return flows.describe()


@public.post(
    "/applications",
    response_model=ApplicationOut,
    status_code=status.HTTP_201_CREATED,
    summary="提交线上业务",
)
async def submit(
    body: ApplicationForm,
    request: Request,
    session: SessionDep,
    resident: CurrentResident,
    key: IdemKey,
    audit: AuditDep,
):
    """申领、补卡、换卡、临时挂失、解挂；同一幂等键重复提交返回原申请（200）。"""
    _declare(request, f"线上{body.business}")
    app, created = await service.submit(
        session, resident, body.business, body.model_dump(exclude_none=True), key
    )
    if created:
        await audit.commit(session, object_id=str(app.application_id))
    out = await _out(session, app)
    if not created:
        return JSONResponse(jsonable_encoder(ApplicationOut(**out)), status_code=200)
    return out


@public.get("/applications", response_model=list[ApplicationOut], summary="我的业务")
async def mine(session: SessionDep, resident: CurrentResident):
    rows = (
        await session.scalars(
            sa.select(Application)
            .where(Application.person_token == resident.person_token)
            .order_by(Application.application_id.desc())
            .limit(50)
        )
    ).all()
    return [await _out(session, a) for a in rows]


@public.get(
    "/applications/{application_id}",
    response_model=ProgressOut,
    summary="办理进度",
    responses={304: {"description": "与 If-None-Match 所给 ETag 相同，进度未变"}},
)
async def progress(application_id: AppId, request: Request) -> Response:
    """阶段时间线（谁、何时、备注）与领卡信息（批次、装箱位置、领卡网点）；带 ETag，可取 304。"""
    return await progress_query.respond(request, application_id)


@public.post("/applications/{application_id}/withdraw", response_model=ApplicationOut, summary="撤回")
async def withdraw(
    application_id: AppId, request: Request, session: SessionDep, resident: CurrentResident, audit: AuditDep
):
    _declare(request, "撤回线上业务", str(application_id))
    app = await service.owned(session, resident, application_id)
    await service.move(session, app, "withdraw", "resident", resident.username)
    await audit.commit(session, object_id=str(application_id))
    return await _out(session, app)


@staff.get(
    "/channel-applications",
    response_model=Page[ApplicationOut],
    **staff_route("受理与审核队列", Perm.APPLICATION_READ, "查询线上业务", "channel_application"),
)
async def queue(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    state: Annotated[str | None, Query(max_length=8)] = None,
):
    query = sa.select(Application).where(scope.where(Application.region_code))
    if state:
        query = query.where(Application.state == state)
    items, total = await paginate(session, query.order_by(Application.application_id), page)
    return {
        "items": [await _out(session, a) for a in items],
        "total": total,
        "page": page.page,
        "size": page.size,
    }


async def _review(action: str, application_id: int, body: ReviewAction, session, user, scope, audit) -> dict:
    app = await session.get(Application, application_id, with_for_update=True)
    if app is None or not scope.contains(app.region_code):
        raise not_found("业务申请")
    if action == "approve":
        await service.approve(session, app, user.username)
    elif action == "sync":
        await service.sync(session, app)
    else:
        by = "back" if action == "reject" and app.state == "待审核" else "front"
        await service.move(session, app, action, by, user.username, body.note)
    await audit.commit(session, object_id=str(application_id), detail={"state": app.state})
    return await _out(session, app)


def _review_route(action: str, summary: str, perm: Perm) -> None:
    @staff.post(
        f"/channel-applications/{{application_id}}/{action}",
        response_model=ApplicationOut,
        **staff_route(summary, perm, summary, "channel_application"),
    )
    async def review(
        application_id: AppId,
        body: ReviewAction,
        session: SessionDep,
        user: CurrentUser,
        scope: RegionScope,
        audit: AuditDep,
    ):
        return await _review(action, application_id, body, session, user, scope, audit)

    review.__name__ = f"review_{action}"


_review_route("accept", "前台受理", Perm.APPLICATION_ACCEPT)
_review_route("reject", "退回申请", Perm.APPLICATION_ACCEPT)
_review_route("approve", "后台审核通过", Perm.APPLICATION_APPROVE)
_review_route("collect", "确认领卡", Perm.APPLICATION_ACCEPT)
_review_route("sync", "同步省卡管制卡进度", Perm.APPLICATION_READ)
