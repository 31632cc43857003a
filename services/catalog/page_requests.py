"""数据管理员网页：访问申请列表与审批（`/catalog/requests`），与目录页共用登录 Cookie 和 CSRF 令牌。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.pagination import PageParams
from services.base.permissions import Perm
from services.base.security import CurrentUser, staff_route
from services.catalog import access
from services.catalog.page import HTML, check_csrf, cookie_token, csrf_token, templates, validated
from services.catalog.schemas import DecisionIn

router = APIRouter(prefix="/catalog", include_in_schema=False, dependencies=[Depends(cookie_token)])


@router.get(
    "/requests", **HTML, **staff_route("访问申请（网页）", Perm.GRANT_APPROVE, "catalog.request.list")
)
async def requests_page(request: Request, session: SessionDep, user: CurrentUser, audit: AuditDep):
    found, total = await access.list_requests(session, None, PageParams(page=1, size=100))
    await audit.commit(session, detail={"total": total})
    context = {"user": user, "requests": found, "csrf": csrf_token(user)}
    return templates.TemplateResponse(request, "requests.html", context)


@router.post(
    "/requests/{request_id}",
    **HTML,
    **staff_route("审批访问申请（网页）", Perm.GRANT_APPROVE, "catalog.request.decide"),
)
async def decide_request(
    request_id: int,
    session: SessionDep,
    user: CurrentUser,
    audit: AuditDep,
    csrf: Annotated[str, Form()],
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    reason: Annotated[str, Form(max_length=500)],
):
    check_csrf(user, csrf)
    body = validated(DecisionIn, {"approve": decision == "approve", "reason": reason})
    _, grant = await access.decide(session, request_id, body, user)
    await audit.commit(
        session, detail={"approve": body.approve, "reason": reason, "grant_id": grant and grant.id}
    )
    return RedirectResponse("/catalog/requests", status_code=303)
