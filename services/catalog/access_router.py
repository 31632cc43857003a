"""访问申请、审批、授权与按授权实时查询：`/api/v1/admin/catalog/requests|grants/...`。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, invalid
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm, allows
from services.base.security import CurrentUser, staff_route
from services.catalog import access
from services.catalog.schemas import DecisionIn, GrantOut, RequestIn, RequestOut, RowsOut

router = APIRouter(prefix="/api/v1/admin/catalog", tags=["数据资源申请与授权"], responses=COMMON_RESPONSES)
Id = Annotated[int, Path(ge=1, le=2**62)]


async def _out(session, request, grant=None) -> RequestOut:
    grant_id = grant.id if grant is not None else await access.grant_of_request(session, request.id)
    return RequestOut.model_validate(request).model_copy(update={"grant_id": grant_id})


@router.post(
    "/requests",
    response_model=RequestOut,
    status_code=status.HTTP_201_CREATED,
    **staff_route("申请数据资源", Perm.CATALOG_REQUEST, "catalog.request.create", "catalog_request"),
)
async def create_request(
    body: RequestIn, session: SessionDep, user: CurrentUser, audit: AuditDep
) -> RequestOut:
    """部门申请数据集的若干列至某日；有条件开放的待数据管理员审批，无条件开放的自动批准。"""
    request, grant = await access.create_request(session, body, user)
    out = await _out(session, request, grant)
    await audit.commit(session, object_id=str(request.id), detail=body.model_dump(mode="json"))
    return out


@router.get(
    "/requests",
    response_model=Page[RequestOut],
    **staff_route("查询访问申请", Perm.CATALOG_READ, "catalog.request.list", "catalog_request"),
)
async def list_requests(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    audit: AuditDep,
    state: Annotated[str | None, Query(alias="status", description="待审批 / 已批准 / 已拒绝")] = None,
) -> Page[RequestOut]:
    """数据管理员看到全部申请；其他人只看到本人提交的申请。"""
    if state is not None and state not in access.STATUSES:
        raise invalid("UNKNOWN_STATUS", f"未知的申请状态：{state}", list(access.STATUSES))
    mine = None if allows(user.role, Perm.GRANT_APPROVE) else user.username
    found, total = await access.list_requests(session, state, page, requested_by=mine)
    await audit.commit(session, detail={"status": state, "total": total})
    items = [await _out(session, r) for r in found]
    return Page(items=items, total=total, page=page.page, size=page.size)


@router.post(
    "/requests/{request_id}/decision",
    response_model=RequestOut,
    **staff_route(
        "审批访问申请",
        Perm.GRANT_APPROVE,
        "catalog.request.decide",
        "catalog_request",
        responses={404: {"description": "申请不存在"}, 409: {"description": "申请已审批"}},
    ),
)
async def decide(
    request_id: Id, body: DecisionIn, session: SessionDep, user: CurrentUser, audit: AuditDep
) -> RequestOut:
    """批准（可缩小列、提前截止日期）即生成授权；拒绝须写明理由。"""
    request, grant = await access.decide(session, request_id, body, user)
    out = await _out(session, request, grant)
    await audit.commit(
        session, detail={"approve": body.approve, "reason": body.reason, "grant_id": out.grant_id}
    )
    return out


@router.get(
    "/grants",
    response_model=Page[GrantOut],
    **staff_route("查询授权", Perm.CATALOG_READ, "catalog.grant.list", "catalog_grant"),
)
async def list_grants(
    session: SessionDep,
    page: PageDep,
    audit: AuditDep,
    department: Annotated[str | None, Query(pattern=r"^[A-Z]{2,16}$", description="部门代码")] = None,
) -> Page[GrantOut]:
    """全部授权（可按部门筛选），新的在前。"""
    found, total = await access.list_grants(session, department, page)
    await audit.commit(session, detail={"department": department, "total": total})
    return Page(
        items=[GrantOut.model_validate(g) for g in found], total=total, page=page.page, size=page.size
    )


@router.post(
    "/grants/{grant_id}/revoke",
    response_model=GrantOut,
    **staff_route(
        "撤销授权",
        Perm.GRANT_APPROVE,
        "catalog.grant.revoke",
        "catalog_grant",
        responses={404: {"description": "授权不存在"}, 409: {"description": "已撤销"}},
    ),
)
async def revoke(grant_id: Id, session: SessionDep, audit: AuditDep) -> GrantOut:
    """撤销后不再共享，也不能再实时查询。"""
    grant = await access.revoke(session, grant_id)
    out = GrantOut.model_validate(grant)
    await audit.commit(session)
    return out


@router.get(
    "/grants/{grant_id}/rows",
    response_model=RowsOut,
    **staff_route(
        "按授权实时查询",
        Perm.CATALOG_REQUEST,
        "catalog.grant.rows",
        "catalog_grant",
        responses={404: {"description": "授权不存在或不属于本人"}},
    ),
)
async def grant_rows(
    grant_id: Id, session: SessionDep, user: CurrentUser, page: PageDep, audit: AuditDep
) -> RowsOut:
    """申请人按授权查询数据集当前数据：只含授权且可离开平台的列，个人信息已脱敏。"""
    found = await access.grant_rows(session, grant_id, user, page)
    await audit.commit(session, detail={"rows": len(found["rows"]), "columns": found["columns"]})
    return RowsOut(**found)
