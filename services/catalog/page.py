"""数据管理员网页（服务端渲染，中文）：`/catalog` 检索与筛选、条目详情与维护、变更历史、血缘、申请审批。

The browser carries the staff session token in an HttpOnly, SameSite=Strict cookie set from the
login page (paste the token printed by `ykt api login <用户名>`; the USB-key signature cannot be
made by a plain web page). Each page route declares `permit(...)` like the JSON API, so roles,
region rules and auditing are the same; forms that change something also carry a CSRF token bound
to the session.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from starlette.routing import Route

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import forbidden, invalid
from services.base.pagination import PageParams
from services.base.permissions import Perm, allows
from services.base.security import CurrentUser, Principal, staff_route
from services.base.validation import field_errors
from services.catalog import repository as repo
from services.catalog.classify import OPENNESS, SENSITIVITIES
from services.catalog.schemas import FREQUENCIES, KINDS, EntryUpdate
from yikatong.crypto import hmac_sm3
from yikatong.settings import get_settings

COOKIE = "ykt_catalog_token"
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


async def cookie_token(request: Request) -> None:
    """Present the session cookie (or the login form's token) to the bearer check as a header."""
    if request.headers.get("authorization"):
        return
    token = request.cookies.get(COOKIE)
    if request.method == "POST" and request.url.path == "/catalog/session":
        token = str((await request.form()).get("token") or "").strip()
    if token:
        request.scope["headers"] = [*request.scope["headers"], (b"authorization", f"Bearer {token}".encode())]
        request.__dict__.pop("_headers", None)


router = APIRouter(prefix="/catalog", include_in_schema=False, dependencies=[Depends(cookie_token)])
HTML = {"response_class": HTMLResponse}


def csrf_token(user: Principal) -> str:
    key = get_settings().session_secret.encode()
    return hmac_sm3(key, b"ykt-catalog-csrf\x1f" + user.session_key.encode()).hex()[:40]


def check_csrf(user: Principal, token: str) -> None:
    if not hmac.compare_digest(csrf_token(user), token or ""):
        raise forbidden("表单已失效，请刷新页面后重试")


def validated(model: type[BaseModel], data: dict) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid("VALIDATION_ERROR", "请求参数校验失败", field_errors(exc.errors())) from None


async def login_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {})


router.routes.append(Route("/catalog/login", login_page, methods=["GET"], name="catalog_login"))


@router.post("/session", **HTML, **staff_route("网页登录", Perm.CATALOG_READ, "catalog.ui.login"))
async def start_session(token: Annotated[str, Form(max_length=200)], session: SessionDep, audit: AuditDep):
    await audit.commit(session)
    response = RedirectResponse("/catalog", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=get_settings().profile == "prod",
        path="/catalog",
        max_age=8 * 3600,
    )
    return response


@router.get("", **HTML, **staff_route("目录检索（网页）", Perm.CATALOG_READ, "catalog.list"))
async def index(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    audit: AuditDep,
    f: repo.FilterDep,
    page: int = 1,
):
    params = PageParams(page=max(1, min(page, 100_000)), size=50)
    found, total = await repo.search(session, f, params)
    await audit.commit(session, detail={k: v for k, v in vars(f).items() if v} | {"total": total})
    context = {
        "user": user,
        "entries": found,
        "total": total,
        "f": f,
        "page": params.page,
        "size": params.size,
        "kinds": KINDS,
        "sensitivities": SENSITIVITIES,
        "openness": OPENNESS,
    }
    return templates.TemplateResponse(request, "index.html", context)


@router.get(
    "/entries/{entry_id}", **HTML, **staff_route("目录条目（网页）", Perm.CATALOG_READ, "catalog.read")
)
async def entry_page(
    request: Request, entry_id: int, session: SessionDep, user: CurrentUser, audit: AuditDep, saved: int = 0
):
    entry = await repo.get(session, entry_id)
    changes, _ = await repo.history(session, entry_id, PageParams(page=1, size=100))
    lineage = await repo.lineage(session, entry)
    await audit.commit(session)
    context = {
        "user": user,
        "e": entry,
        "changes": changes,
        "lineage": lineage,
        "saved": saved,
        "can_edit": allows(user.role, Perm.CATALOG_MANAGE),
        "csrf": csrf_token(user),
        "sensitivities": SENSITIVITIES,
        "openness": OPENNESS,
        "frequencies": FREQUENCIES,
    }
    return templates.TemplateResponse(request, "entry.html", context)


@router.post(
    "/entries/{entry_id}",
    **HTML,
    **staff_route("维护目录条目（网页）", Perm.CATALOG_MANAGE, "catalog.update"),
)
async def save_entry(
    entry_id: int,
    session: SessionDep,
    user: CurrentUser,
    audit: AuditDep,
    csrf: Annotated[str, Form()],
    description: Annotated[str, Form(max_length=2000)] = "",
    owner: Annotated[str, Form(max_length=64)] = "",
    sensitivity: Annotated[str, Form()] = "",
    openness: Annotated[str, Form()] = "",
    update_frequency: Annotated[str, Form()] = "",
):
    check_csrf(user, csrf)
    fields = {
        "description": description,
        "owner": owner.strip(),
        "sensitivity": sensitivity,
        "openness": openness,
        "update_frequency": update_frequency,
    }
    body = validated(EntryUpdate, {k: v for k, v in fields.items() if v or k == "description"})
    entry = await repo.get(session, entry_id, lock=True)
    diff = repo.update(session, entry, body, user.username)
    await audit.commit(session, object_id=entry.key, detail=diff)
    return RedirectResponse(f"/catalog/entries/{entry_id}?saved=1", status_code=303)
