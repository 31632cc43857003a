"""补卡 / 换卡 at a kiosk: one issuance record and one blank card used, in one transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.errors import conflict
from services.cards import personal, stock
from services.cards.device_schemas import IssuanceIn
from services.cards.models import Issuance
from services.terminals.models import Device


async def find(session: AsyncSession, device_id: str, event_id: str) -> Issuance | None:
    return await session.scalar(
        sa.select(Issuance).where(Issuance.device_id == device_id, Issuance.event_id == event_id)
    )


async def record(session: AsyncSession, device: Device, body: IssuanceIn) -> tuple[Issuance, stock.Balance]:
    """The issuance and the blank card it used; a resent event returns the first record."""
    seen = await find(session, device.device_id, body.event_id)
    if seen is not None:
        return seen, stock.Balance(
            **vars(await stock.balance(session, device.device_id)) | {"duplicate": True}
        )
    event = {"event_id": body.event_id, "usage": "制卡", "quantity": 1, "card_no": body.card_no}
    balance = await stock.use(
        session, device, event | {"reason": body.issue_type, "occurred_at": body.occurred_at}
    )
    if balance.duplicate:  # the same event raced in on another connection and has committed
        seen = await find(session, device.device_id, body.event_id)
        if seen is not None:
            return seen, balance
        raise conflict("EVENT_ID_REUSED", "事件编号已用于其他预制卡使用事件，请换一个事件编号")
    row = {
        "device_id": device.device_id,
        "outlet_code": device.outlet_code,
        "region_code": device.region_code,
    }
    row |= {"event_id": body.event_id, "issue_type": body.issue_type, "card_no": body.card_no}
    row |= {"old_card_no": body.old_card_no, "issued_at": body.occurred_at, "received_at": utcnow()}
    row |= personal.stored("holder_id", body.id_number, "id_number")
    row |= personal.stored("holder_name", body.name, "name", with_token=False)
    await session.execute(pg_insert(Issuance).values(**row))
    return await find(session, device.device_id, body.event_id), balance
