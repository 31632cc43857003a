"""H5 页面（服务端渲染，移动端优先，中文，同源，全部转义）：申领、补卡、换卡、进度、挂失/解挂、问答。

The channel opens `/h5/enter?assertion=…` in its web view; the platform verifies the SM2 real-name
assertion, sets the resident session in an HttpOnly, SameSite=Strict cookie and redirects to the
home page. Forms carry a CSRF token bound to the session and an idempotency key made when the form
was shown, so a double tap submits once. Jinja2 autoescaping is on for every template.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from services.base.audit import AuditDep, AuditIntent
from services.base.db import SessionDep
from services.base.errors import ApiError, forbidden, not_found
from services.base.validation import field_errors
from services.channels import eligibility, photos, pickup, prefill, residents, service, uploads_router
from services.channels import progress as progress_query
from services.channels.models import Application
from services.channels.province import ChannelCardSystem
from services.channels.residents import CurrentResident, Resident
from services.channels.schemas import ApplicationForm
from services.knowledge import repository as knowledge
from services.knowledge import service as qa
from yikatong.crypto import hmac_sm3
from yikatong.settings import get_settings

COOKIE = residents.COOKIE
BEIJING = ZoneInfo("Asia/Shanghai")
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.filters["beijing"] = lambda t: t.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
router = APIRouter(prefix="/h5", include_in_schema=False)
FULL = ("申领", "补卡", "换卡")
LABELS = {
    "phone": "手机号码",
    "address": "常住地址",
    "outlet_code": "领卡网点代码",
    "card_no": "卡号",
    "guardian_id_number": "监护人证件号码",
    "guardian_name": "监护人姓名",
    "guardian_id_type": "监护人证件类型",
    "document_type": "证件类型",
    "business": "业务",
}


def csrf_token(request: Request) -> str:
    key = get_settings().session_secret.encode()
    return hmac_sm3(key, b"ykt-h5-csrf\x1f" + request.cookies.get(COOKIE, "").encode()).hex()[:40]


def _page(
    request: Request, template: str, title: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"title": title, **context}, status_code=status_code)


@router.get("/enter")
async def enter(session: SessionDep, assertion: Annotated[str, Query(min_length=10, max_length=4000)]):
    token, _ = await residents.open_session(session, assertion)
    response = RedirectResponse("/h5/", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(residents.SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="strict",
        path="/",
    )
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep, resident: CurrentResident):
    rows = (
        await session.scalars(
            sa.select(Application)
            .where(Application.person_token == resident.person_token)
            .order_by(Application.application_id.desc())
            .limit(20)
        )
    ).all()
    return _page(
        request,
        "home.html",
        "乐山社保卡 · 不见面服务",
        name=resident.name,
        id_masked=resident.username,
        applications=rows,
    )


async def _form_page(
    request: Request,
    resident: Resident,
    businesses: tuple[str, ...],
    form: dict,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cards: list = []
    known = None
    if businesses[0] not in FULL:
        async with ChannelCardSystem() as cs:
            cards = await eligibility.person_cards(cs, resident.id_number)
    else:
        known = await prefill.prefill(resident)  # smart form: what the holder/insurance databases know
        form = {"address": known.address} | {k: v for k, v in form.items() if v}
    return _page(
        request,
        "apply.html",
        f"社保卡{'/'.join(businesses)}",
        status_code,
        businesses=businesses,
        form=form,
        error=error,
        full=businesses[0] in FULL,
        cards=cards,
        csrf=csrf_token(request),
        name=resident.name,
        id_masked=resident.username,
        idempotency_key=uuid.uuid4().hex,
        minor=resident.age < eligibility.MINOR_AGE,
        document_type=resident.document_type,
        document_types=eligibility.DOCUMENT_TYPES,
        known=known,
    )


@router.get("/apply", response_class=HTMLResponse)
async def apply_page(
    request: Request,
    resident: CurrentResident,
    business: Annotated[str, Query(pattern="^(申领|补卡|换卡)$")] = "申领",
):
    return await _form_page(request, resident, (business,), {"business": business})


@router.get("/loss", response_class=HTMLResponse)
async def loss_page(request: Request, resident: CurrentResident):
    return await _form_page(request, resident, ("临时挂失", "解挂"), {"business": "临时挂失"})


@router.post("/apply")
async def apply(
    request: Request,
    session: SessionDep,
    resident: CurrentResident,
    audit: AuditDep,
    csrf: Annotated[str, Form()],
    idempotency_key: Annotated[str, Form(pattern=r"^[0-9a-f]{32}$")],
):
    if not hmac.compare_digest(csrf, csrf_token(request)):
        raise forbidden("页面已过期，请刷新后重试")
    posted = await request.form(max_files=2)
    files = {k: v for k, v in posted.items() if isinstance(v, UploadFile)}
    raw = {
        k: v
        for k, v in posted.items()
        if k not in ("csrf", "idempotency_key") and v != "" and not isinstance(v, UploadFile)
    }
    businesses = (raw.get("business"),) if raw.get("business") in FULL else ("临时挂失", "解挂")
    try:
        raw |= await _keep_uploads(session, resident, files)
    except ApiError as exc:
        return await _form_page(request, resident, businesses, raw, exc.message, exc.status)
    try:
        form = ApplicationForm.model_validate(raw)
    except ValidationError as exc:
        error = "；".join(f"{e['field']}：{e['message']}" for e in field_errors(exc.errors(), LABELS))
        return await _form_page(request, resident, businesses, raw, error, 422)
    request.state.audit = AuditIntent(f"线上{form.business}", "channel_application", None)
    try:
        app, created = await service.submit(
            session, resident, form.business, form.model_dump(exclude_none=True), idempotency_key
        )
    except ApiError as exc:
        return await _form_page(request, resident, businesses, raw, exc.message, exc.status)
    if created:
        await audit.commit(session, object_id=str(app.application_id))
    return RedirectResponse(f"/h5/progress/{app.application_id}", status_code=303)


async def _keep_uploads(session, resident: Resident, files: dict[str, UploadFile]) -> dict[str, str]:
    """The form's ID image (OCR'd, must be the resident's) and photo, stored; their IDs for the form."""
    kept = {}
    id_image = await files["id_image"].read() if "id_image" in files else b""
    if id_image:
        read = await uploads_router.read_id_card(session, resident, id_image)
        if not read.matches_resident:
            raise ApiError(422, "ID_CARD_NOT_RESIDENT", "上传的身份证不是本人的，请上传本人身份证人像面")
        if not read.portrait_found:
            raise ApiError(422, "ID_PORTRAIT_MISSING", "身份证照片中未识别到人像，请拍摄完整、清晰的人像面")
        kept["id_image_id"] = read.id_image_id
    photo = await files["photo"].read() if "photo" in files else b""
    if photo:
        kept["photo_id"] = (await photos.store_live(session, resident.person_token, photo)).photo_id
        await session.commit()
    return kept


@router.get("/progress/{application_id}", response_class=HTMLResponse)
async def progress(request: Request, application_id: int):
    """办理进度页：与进度接口同一条查询（`progress_query.fetch`：一次往返、连接先归还、不解密）。"""
    row = await progress_query.fetch(progress_query.bearer(request), application_id)
    request.state.user = progress_query.PollingResident(
        row["session_id_masked"], row["session_channel"], row["person_token"]
    )
    if row["application_id"] is None:
        raise not_found("业务申请")
    timeline = [
        SimpleNamespace(from_state=f, to_state=t, actor=a, note=n, at=datetime.fromisoformat(at))
        for _, f, t, a, n, at in progress_query.events_of(row)
    ]
    return _page(
        request,
        "progress.html",
        "办理进度",
        app=SimpleNamespace(**row),
        pickup=SimpleNamespace(**pickup.describe(row)),
        timeline=timeline,
    )


@router.get("/qa", response_class=HTMLResponse)
async def ask(request: Request, session: SessionDep, q: Annotated[str, Query(max_length=200)] = ""):
    answer = qa.ask(await knowledge.current_index(session), q) if q.strip() else None
    return _page(request, "qa.html", "人社智能问答", q=q, answer=answer)
