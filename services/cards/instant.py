"""自助机即时申领与即时补换卡（seed 3.2.4）：人证比对 → 省卡管资格检查 → 自动审核 → 用本机预制卡制卡
→ 激活 → 发卡记录 → 回盘。

Order matters so that a refusal writes nothing: every check that can refuse (the blank-card balance,
the ID's validity, the faces, the province's cards) runs before the first write; then one transaction
takes the blank card (the ledger's atomic `UPDATE … WHERE added_total − used_total >= 1`, so two
requests racing for a device's last card leave exactly one issuance and one 409 `STOCK_INSUFFICIENT`
with nothing else written) and records the issuance; still inside it, the province binds the
pre-made card to the holder, activates it and cancels the replaced card (`instant_province`), so a
refusal there rolls everything back. The card is active when that transaction commits (the kiosk
personalises and activates the chip while the resident waits; the activation time is the issuance
time). The write-back to the province is tried right after the commit, outside
any transaction, and reported through `cards.writeback`: a failure becomes 待重试 and the platform's
retry loop takes over.

How the records read: an instant 申领 is recorded as 发卡方式 领卡 (the resident leaves with the card,
and the statistics count 领卡 + 补卡 + 换卡), with the blank-card use's reason 即时申领; 补卡 and 换卡
keep their names. A resent event answers the first record with `duplicate: true` and checks nothing.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date

import numpy as np
from PIL import Image
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.errors import ApiError, conflict
from services.capabilities import face, images
from services.cards import instant_province, issuance, personal, stock, writeback
from services.cards.card_system_client import CardSystemClient, CardSystemError
from services.cards.device_schemas import WritebackIn
from services.cards.instant_schemas import Approval, InstantIn
from services.cards.models import Issuance
from services.channels import eligibility
from services.channels.province import ChannelCardSystem
from services.terminals.models import Device

CHIP_PHOTO = images.Limits(90, 110, "芯片照片")  # the chip's portrait is 102 × 126
CHIP_WORKING_SIDE = 400  # the chip portrait is enlarged to this before detection (too small otherwise)
RECORDED_AS = {"申领": "领卡", "补卡": "补卡", "换卡": "换卡"}


def _bytes(text: str, label: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "IMAGE_BASE64_INVALID", f"{label}不是有效的 base64 编码") from None


def _enlarged(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    scale = CHIP_WORKING_SIDE / max(height, width)
    if scale <= 1:
        return rgb
    size = (round(width * scale), round(height * scale))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BICUBIC))


async def check_faces(body: InstantIn) -> float:
    """The live photo shows exactly one face and it is the chip portrait's person; the distance."""
    live = images.decode(_bytes(body.live_photo, "现场照片"), images.PHOTO)
    chip = _enlarged(images.decode(_bytes(body.id_reader.photo, "芯片照片"), CHIP_PHOTO))
    faces, live_vec = await face.describe_async(live)
    if live_vec is None:
        raise ApiError(422, "NO_FACE", "现场照片中未检测到人脸，请正对摄像头")
    if len([f for f in faces if f.score >= face.CONFIDENT_SCORE]) > 1:
        raise ApiError(422, "MULTIPLE_FACES", "现场照片中有多张人脸，请只留本人在镜头前")
    _, chip_vec = await face.describe_async(chip)
    if chip_vec is None:
        raise ApiError(422, "CHIP_PHOTO_NO_FACE", "身份证芯片照片中未检测到人脸，请重新读证")
    result = face.compare(live_vec, chip_vec)
    if not result.same_person:
        raise ApiError(
            422,
            "FACE_MISMATCH",
            "人证比对不通过：现场照片与身份证照片不是同一人",
            {"distance": result.distance, "threshold": face.MATCH_DISTANCE},
        )
    return result.distance


async def check_card_system(body: InstantIn) -> tuple[str | None, str]:
    """The card the business replaces (None for 申领) and the conclusion, from the province's cards."""
    async with ChannelCardSystem() as cs:
        cards = await eligibility.person_cards(cs, body.id_reader.id_number)
    if cards and cards[0].get("AAC003") and cards[0]["AAC003"] != body.id_reader.name:
        raise ApiError(422, "NAME_MISMATCH", "姓名与省卡管系统登记的不一致，请到柜面核实")
    old = eligibility.check_business(body.issue_type, cards, body.old_card_no)
    if old is None:
        return None, f"无有效社会保障卡，可即时{body.issue_type}"
    return old["AAZ500"], f"原卡 {old['AAZ500']} 状态{old.get('AAZ502MC')}，可即时{body.issue_type}"


def _check_document(body: InstantIn) -> None:
    if body.id_reader.valid_until is not None and body.id_reader.valid_until < date.today():
        raise ApiError(422, "ID_EXPIRED", "身份证已过有效期，请先换领身份证")


async def _has_blank_card(session: AsyncSession, device: Device) -> None:
    stock.ensure_enabled(device)
    current = await stock.balance(session, device.device_id)
    if current.remaining < 1:
        raise ApiError(
            409, "STOCK_INSUFFICIENT", "本机预制卡已用完，请到其他自助机或柜面办理", {"remaining": 0}
        )


async def _record(
    session: AsyncSession, device: Device, body: InstantIn, old_card: str | None
) -> tuple[Issuance, stock.Balance]:
    """Take one blank card (atomic; 409 when none is left) and write the issuance record."""
    card = body.blank_card.card_no
    event = {"event_id": body.event_id, "usage": "制卡", "quantity": 1, "card_no": card}
    balance = await stock.use(
        session, device, event | {"reason": f"即时{body.issue_type}", "occurred_at": body.occurred_at}
    )
    if balance.duplicate:
        raise conflict("EVENT_ID_REUSED", "事件编号已用于其他预制卡使用事件，请换一个事件编号")
    row = {
        "device_id": device.device_id,
        "outlet_code": device.outlet_code,
        "region_code": device.region_code,
    }
    row |= {"event_id": body.event_id, "issue_type": RECORDED_AS[body.issue_type], "card_no": card}
    row |= {"old_card_no": old_card, "issued_at": body.occurred_at, "received_at": utcnow()}
    row |= personal.stored("holder_id", body.id_reader.id_number, "id_number")
    row |= personal.stored("holder_name", body.id_reader.name, "name", with_token=False)
    await session.execute(pg_insert(Issuance).values(**row))
    return await issuance.find(session, device.device_id, body.event_id), balance


async def issue(
    session: AsyncSession, device: Device, body: InstantIn
) -> tuple[Issuance, stock.Balance, Approval | None]:
    """Check, approve and record; the caller commits. A resent event returns its first record."""
    seen = await issuance.find(session, device.device_id, body.event_id)
    if seen is not None:
        return (
            seen,
            stock.Balance(**vars(await stock.balance(session, device.device_id)) | {"duplicate": True}),
            None,
        )
    await _has_blank_card(session, device)
    _check_document(body)
    distance = await check_faces(body)
    old_card, conclusion = await check_card_system(body)
    approval = Approval(face_distance=distance, card_check=conclusion)
    try:
        row, balance = await _record(session, device, body, old_card)
    except ApiError as exc:
        if exc.code == "STOCK_INSUFFICIENT":  # another request took the last card meanwhile
            raise ApiError(409, exc.code, "本机预制卡已用完，请到其他自助机或柜面办理", exc.detail) from None
        raise
    await instant_province.register(body, old_card)  # refused → raises, the caller rolls back
    return row, balance, approval


async def write_back(session: AsyncSession, device: Device, body: InstantIn) -> writeback.ReportResult:
    """Try the province's write-back now (no transaction open) and record it; failures are retried."""
    card = body.blank_card
    try:
        async with CardSystemClient() as cs:
            await cs.write_back(card.card_no, card.bank_account, card.chip_no)
        outcome = {"result": "成功"}
    except CardSystemError as exc:
        outcome = {"result": "失败", "error_code": exc.code[:16], "error_message": exc.message[:200]}
        if exc.code == "4002":
            outcome = {"result": "成功"}
    report = WritebackIn(
        event_id=f"{body.event_id[:60]}-wb",
        card_no=card.card_no,
        bank_account=card.bank_account,
        chip_no=card.chip_no,
        attempted_at=utcnow(),
        **outcome,
    )
    try:
        return await writeback.report(session, device, report)
    except ApiError as exc:
        if exc.code == "WRITEBACK_DONE":
            raise conflict("WRITEBACK_DONE", "该卡已回盘成功") from None
        raise
