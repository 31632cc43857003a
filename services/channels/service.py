"""线上业务的办理：提交（幂等、一人一件）、按流程声明转换状态、时间线、每次变化推送消息。"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import conflict, not_found
from services.channels import documents, eligibility, flows, outbox, photos, pickup
from services.channels.models import Application, ApplicationEvent
from services.channels.province import CardSystemError, ChannelCardSystem
from services.channels.residents import Resident
from yikatong import pii

CHANNEL_NAMES = {"tfth": "天府通办", "zls": "智乐山", "wechat": "微信"}
PUBLIC_FIELDS = ("document_type", "card_no", "outlet_code", "bank_code", "guardian_id_type", "photo_id")


async def _timeline(
    session: AsyncSession, app: Application, before: str | None, actor: str, note: str | None
) -> None:
    session.add(
        ApplicationEvent(
            application_id=app.application_id, from_state=before, to_state=app.state, actor=actor, note=note
        )
    )
    await _push(session, app, note)


async def _push(session: AsyncSession, app: Application, note: str | None) -> None:
    """The 业务进度 message: the stage, the note and the pickup details known so far."""
    await outbox.enqueue(
        session,
        app.channel_id,
        "业务进度",
        app.person_token,
        {
            "application_id": app.application_id,
            "business": app.business,
            "state": app.state,
            "note": note,
            "todo": not flows.is_final(app.business, app.state),
        }
        | pickup.payload(app),
    )


async def move(
    session: AsyncSession, app: Application, action: str, by: str, actor: str, note: str | None = None
) -> Application:
    """Apply one declared step (409 when the flow does not allow it) and record it."""
    step = flows.step(app.business, app.state, action, by)
    before, app.state = app.state, step.target
    app.open = not flows.is_final(app.business, app.state)
    if action in ("reject", "refused"):
        app.reason = note
    await session.flush()
    await _timeline(session, app, before, actor, note or step.label)
    return app


def _cipher(form: dict[str, Any]) -> str:
    return pii.protector().encrypt(json.dumps(form, ensure_ascii=False), "address")


async def submit(
    session: AsyncSession, resident: Resident, business: str, form: dict[str, Any], idempotency_key: str
) -> tuple[Application, bool]:
    """Check and store a new application; `(existing, False)` when the key was already used by this person."""
    existing = await session.scalar(
        sa.select(Application).where(Application.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if existing.person_token != resident.person_token:
            raise conflict("IDEMPOTENCY_KEY_REUSED", "幂等键已被其他申请使用")
        return existing, False
    eligibility.check_document(resident, form)
    form = form | {"document_type": resident.document_type}
    eligibility.check_guardian(resident, form)
    insured = await eligibility.check_insured(business, resident.id_number)
    async with ChannelCardSystem() as cs:
        cards = await eligibility.person_cards(cs, resident.id_number)
    card = eligibility.check_business(business, cards, form.get("card_no"))
    if card is not None:
        form = form | {"card_no": card["AAZ500"]}
    if insured is not None and not form.get("phone") and insured.phone:
        form = form | {"phone": insured.phone}  # the smart form left the phone on file
    uploads, distance = [], None
    if business == "申领" or form.get("photo_id") or form.get("id_image_id"):
        uploads, distance = await photos.match(
            session, resident.person_token, form.get("photo_id"), form.get("id_image_id")
        )
    app = Application(
        idempotency_key=idempotency_key,
        business=business,
        state=flows.START[business],
        open=True,
        channel_id=resident.channel_id,
        region_code=(form.get("outlet_code") or "")[:6] or resident.region_code,
        person_token=resident.person_token,
        id_masked=resident.username,
        name_masked=pii.mask(resident.name, "name"),
        form_cipher=_cipher(form | {"id_number": resident.id_number, "name": resident.name}),
        form_public={k: form[k] for k in PUBLIC_FIELDS if form.get(k)}
        | ({"face_distance": distance} if distance is not None else {}),
        card_no=form.get("card_no"),
        outlet_code=form.get("outlet_code"),
    )
    session.add(app)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        again = await session.scalar(
            sa.select(Application).where(Application.idempotency_key == idempotency_key)
        )
        if again is not None and again.person_token == resident.person_token:
            return again, False
        if "uq_channel_application_open_person" in str(exc.orig):
            raise conflict("APPLICATION_OPEN", "您有一件尚未办结的业务，请办结或撤回后再申请") from None
        raise conflict("IDEMPOTENCY_KEY_REUSED", "幂等键已被其他申请使用") from None
    photos.adopt(uploads, app.application_id)
    await _timeline(session, app, None, resident.username, "已提交")
    if business in ("临时挂失", "解挂"):
        await _instant(session, app, business)
    return app, True


async def _instant(session: AsyncSession, app: Application, operation: str) -> None:
    try:
        async with ChannelCardSystem() as cs:
            await cs.change_status(app.card_no, operation)
    except CardSystemError as exc:
        await move(session, app, "refused", "system", "system", f"省卡管：{exc.message}"[:200])
        return
    await move(session, app, "done", "system", "system", f"省卡管已办理{operation}")


def form_of(app: Application) -> dict[str, Any]:
    return json.loads(pii.protector().decrypt(app.form_cipher, "address"))


async def approve(session: AsyncSession, app: Application, actor: str) -> Application:
    """后台审核通过：提交省卡管；省卡管拒绝则退回并写明原因。"""
    flows.step(app.business, app.state, "approve", "back")
    form = form_of(app)
    body = {
        "AAC002": form["id_number"],
        "AAC003": form["name"],
        "YWLX": app.business,
        "SQQD": CHANNEL_NAMES.get(app.channel_id, "天府通办"),
        "ZPBH": f"APP{app.application_id}",
        "AAB301": app.region_code[:6],
        "AAC058": documents.CODES.get(form.get("document_type") or "居民身份证", "01"),
        "LKWDBM": form.get("outlet_code"),
    }
    await move(session, app, "approve", "back", actor)
    try:
        async with ChannelCardSystem() as cs:
            answer = await cs.apply({k: v for k, v in body.items() if v})
    except CardSystemError as exc:
        return await move(session, app, "refused", "system", "system", f"省卡管：{exc.message}"[:200])
    app.province_ref = str(answer.get("SQID") or "")[:32] or None
    return app


async def events(session: AsyncSession, application_id: int) -> list[ApplicationEvent]:
    return list(
        (
            await session.scalars(
                sa.select(ApplicationEvent)
                .where(ApplicationEvent.application_id == application_id)
                .order_by(ApplicationEvent.event_id)
            )
        ).all()
    )


async def owned(session: AsyncSession, resident: Resident, application_id: int) -> Application:
    app = await session.get(Application, application_id)
    if app is None or app.person_token != resident.person_token:
        raise not_found("业务申请")
    return app


async def sync(session: AsyncSession, app: Application) -> Application:
    """Follow the card system's stage timeline: 省级制卡 → 制卡中, 发往网点 → 待领卡, 审核不通过 → 已退回.

    The batch, box position and pickup outlet are recorded on the way (`pickup.record`); a change
    of them is pushed with the stage it comes with, or on its own when no stage moved.
    """
    async with ChannelCardSystem() as cs:
        try:
            progress = await cs.progress(form_of(app)["id_number"])
        except CardSystemError as exc:
            raise conflict("CARD_SYSTEM_UNAVAILABLE", f"省卡管系统暂不可用：{exc.message}") from None
    done = {s["STAGE"] for s in progress.get("STAGES", []) if s.get("DONE")}
    if progress.get("CURRENT") == "审核不通过" and app.state == "已提交省卡管":
        reason = next((s.get("REASON") for s in progress["STAGES"] if s.get("RESULT")), None)
        return await move(
            session, app, "refused", "system", "system", f"省卡管审核不通过：{reason or ''}"[:200]
        )
    changed, before = pickup.record(app, progress), app.state
    if "省级制卡" in done and app.state == "已提交省卡管":
        await move(session, app, "made", "system", "system")
    if "发往网点" in done and app.state == "制卡中":
        await move(session, app, "ready", "system", "system", pickup.notice(app))
    if changed and app.state == before:
        await session.flush()
        await _push(session, app, pickup.summary(app))
    return app
