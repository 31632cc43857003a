"""成品卡：设备读取上传（待领），本人或代领领取（领卡成功 → 出库时间与一条“领卡”发卡记录）。

Upload outcomes per card: 新增; 未变更 (already known in this device); 转入 (known in another
device and not yet collected: it moved); 拒绝 (collected already, or the number belongs to another
holder). A pickup must happen at the device holding the card; 本人 must present the holder's ID,
an agent (代领) must not be the holder. A collected card cannot be collected again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.errors import ApiError, conflict, invalid
from services.cards import personal
from services.cards.device_schemas import FinishedCardUpload, PickupIn
from services.cards.models import CardPickup, FinishedCard, Issuance
from services.terminals.models import Device


def _located(device: Device) -> dict[str, str]:
    return {
        "device_id": device.device_id,
        "outlet_code": device.outlet_code,
        "region_code": device.region_code,
    }


async def upload(session: AsyncSession, device: Device, body: FinishedCardUpload) -> list[dict[str, Any]]:
    numbers = [c.card_no for c in body.cards]
    known = {
        card.card_no: card
        for card in await session.scalars(
            sa.select(FinishedCard).where(FinishedCard.card_no.in_(numbers)).with_for_update()
        )
    }
    results, now = [], utcnow()
    for card in body.cards:
        token = personal.token(card.id_number, "id_number")
        existing = known.get(card.card_no)
        outcome, reason = "新增", None
        if existing is None:
            row = {"card_no": card.card_no, "batch_no": card.batch_no, "box_position": card.box_position}
            row |= personal.stored("holder_id", card.id_number, "id_number")
            row |= personal.stored("holder_name", card.name, "name", with_token=False)
            row |= _located(device) | {"state": "待领", "read_at": body.read_at, "uploaded_at": now}
            stmt = pg_insert(FinishedCard).values(**row, updated_at=now).on_conflict_do_nothing()
            if await session.scalar(stmt.returning(FinishedCard.id)) is None:
                outcome = "未变更"  # uploaded by a concurrent request a moment ago
        elif existing.holder_id_token != token:
            outcome, reason = "拒绝", "卡号已登记为其他持卡人的卡"
        elif existing.state == "领卡成功":
            outcome, reason = "拒绝", "该卡已领取出库"
        elif existing.device_id == device.device_id:
            outcome = "未变更"
        else:
            outcome = "转入"
            for key, value in _located(device).items():
                setattr(existing, key, value)
            existing.read_at, existing.updated_at = body.read_at, now
        results.append({"card_no": card.card_no, "outcome": outcome, "reason": reason})
    return results


async def _duplicate(session: AsyncSession, device: Device, event_id: str) -> FinishedCard | None:
    query = (
        sa.select(FinishedCard)
        .join(CardPickup, CardPickup.finished_card_id == FinishedCard.id)
        .where(CardPickup.device_id == device.device_id, CardPickup.event_id == event_id)
    )
    return await session.scalar(query)


async def pickup(
    session: AsyncSession, device: Device, card_no: str, body: PickupIn
) -> tuple[FinishedCard, bool]:
    """Record a pickup attempt; returns the card and whether the event had been seen before."""
    seen = await _duplicate(session, device, body.event_id)
    if seen is not None:
        return seen, True
    card = await session.scalar(
        sa.select(FinishedCard)
        .where(FinishedCard.card_no == card_no, FinishedCard.device_id == device.device_id)
        .with_for_update()
    )
    if card is None:
        raise ApiError(404, "CARD_NOT_IN_DEVICE", "本设备中没有该成品卡")
    seen = await _duplicate(session, device, body.event_id)  # again, now that the card is locked
    if seen is not None:
        return seen, True
    if card.state == "领卡成功":
        raise conflict("CARD_ALREADY_PICKED_UP", "该卡已领取出库，不能重复领取")
    if body.holder_id_number and personal.token(body.holder_id_number, "id_number") != card.holder_id_token:
        raise conflict("HOLDER_MISMATCH", "身份证号与持卡人不一致，不能以本人身份领取")
    agent = body.agent
    if agent and personal.token(agent.id_number, "id_number") == card.holder_id_token:
        raise invalid("AGENT_IS_HOLDER", "代领人不能是持卡人本人，请选择本人领取")
    row = {"finished_card_id": card.id, "device_id": device.device_id, "event_id": body.event_id}
    row |= {"result": body.result, "pickup_by": body.pickup_by, "reason": body.reason}
    row |= personal.stored("agent_id", agent and agent.id_number, "id_number")
    row |= personal.stored("agent_name", agent and agent.name, "name", with_token=False)
    row |= personal.stored("agent_phone", agent and agent.phone, "phone", with_token=False)
    row |= {"occurred_at": body.occurred_at, "received_at": utcnow()}
    await session.execute(sa.insert(CardPickup).values(**row))
    card.state, card.pickup_by, card.updated_at = body.result, body.pickup_by, utcnow()
    card.failure_reason = body.reason if body.result == "领卡失败" else None
    if body.result == "领卡成功":
        card.picked_up_at = body.occurred_at
        session.add(_issuance_of(card, device, body))
    await session.flush()
    return card, False


def _issuance_of(card: FinishedCard, device: Device, body: PickupIn) -> Issuance:
    return Issuance(
        **_located(device),
        event_id=body.event_id,
        issue_type="领卡",
        card_no=card.card_no,
        holder_id_token=card.holder_id_token,
        holder_id_cipher=card.holder_id_cipher,
        holder_id_masked=card.holder_id_masked,
        holder_name_cipher=card.holder_name_cipher,
        holder_name_masked=card.holder_name_masked,
        pickup_by=body.pickup_by,
        issued_at=body.occurred_at,
    )
