"""预制卡台账：添加（工作人员）与使用（设备事件），未使用 = 数量 − 已使用，永不为负。

Exact under concurrency without application locks: an addition is one upsert that adds to the
row, and a use is one `UPDATE … SET used_total = used_total + n WHERE added_total - used_total >= n`
(PostgreSQL re-checks the condition after waiting for the row lock), so 50 kiosks' events racing
for the last cards leave exactly as many uses as there were cards. A CHECK constraint in the table
backs the rule up. Each use is recorded under its (device, event_id), so a resend counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.errors import ApiError, conflict, invalid
from services.base.security import Principal
from services.cards.models import BlankCardAddition, BlankCardStock, BlankCardUsage
from services.terminals.models import Device

MAX_ADDITION = 1000  # one addition: a kiosk's hoppers hold a few hundred cards
MAX_REMAINING = 5000  # anything above is a typing error, not a delivery


@dataclass(frozen=True)
class Balance:
    device_id: str
    added_total: int
    used_total: int
    duplicate: bool = False

    @property
    def remaining(self) -> int:
        return self.added_total - self.used_total


def ensure_enabled(device: Device) -> None:
    if device.status != "启用":
        raise conflict("DEVICE_DISABLED", "设备已停用，不能添加预制卡")


async def balance(session: AsyncSession, device_id: str) -> Balance:
    row = (
        await session.execute(
            sa.select(BlankCardStock.added_total, BlankCardStock.used_total).where(
                BlankCardStock.device_id == device_id
            )
        )
    ).first()
    return Balance(device_id, *(row or (0, 0)))


async def add(
    session: AsyncSession, device: Device, quantity: int, remark: str | None, user: Principal
) -> tuple[Balance, BlankCardAddition]:
    """Record an addition and raise the device's total (refused if the result would be absurd)."""
    ensure_enabled(device)
    now = utcnow()
    # the event row first, as a use does: its insert trigger locks the day's statistics row
    # (`card_stats_daily`) before the stock row, in the same order as every other writer
    addition = BlankCardAddition(
        device_id=device.device_id,
        outlet_code=device.outlet_code,
        region_code=device.region_code,
        quantity=quantity,
        remark=remark,
        operator=user.username,
        added_at=now,
    )
    session.add(addition)
    await session.flush()
    stock = BlankCardStock.__table__
    upsert = pg_insert(stock).values(
        device_id=device.device_id, added_total=quantity, used_total=0, updated_at=now
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[stock.c.device_id],
        set_={"added_total": stock.c.added_total + quantity, "updated_at": now},
        where=stock.c.added_total - stock.c.used_total + quantity <= MAX_REMAINING,
    ).returning(stock.c.added_total, stock.c.used_total)
    row = (await session.execute(upsert)).first()
    if row is None:  # the caller's transaction rolls back, the addition with it
        raise invalid(
            "QUANTITY_ABSURD",
            f"添加后未使用数量将超过 {MAX_REMAINING} 张，请核对数量",
            {"max_remaining": MAX_REMAINING},
        )
    return Balance(device.device_id, *row), addition


async def use(session: AsyncSession, device: Device, event: dict[str, Any]) -> Balance:
    """Take `event["quantity"]` cards from the device's stock (one transaction with the caller's work).

    `event` holds event_id, usage (制卡/废卡), quantity, card_no, reason, occurred_at. A resent
    event returns the current balance marked duplicate; too few cards is a 409 and nothing changes.
    """
    usage = BlankCardUsage.__table__
    values = {**event, "device_id": device.device_id, "outlet_code": device.outlet_code}
    values |= {"region_code": device.region_code, "received_at": utcnow()}
    inserted = await session.scalar(
        pg_insert(usage).values(**values).on_conflict_do_nothing().returning(usage.c.id)
    )
    if inserted is None:
        return Balance(**vars(await balance(session, device.device_id)) | {"duplicate": True})
    n = event["quantity"]
    stock = BlankCardStock.__table__
    taken = (
        await session.execute(
            sa.update(stock)
            .where(stock.c.device_id == device.device_id, stock.c.added_total - stock.c.used_total >= n)
            .values(used_total=stock.c.used_total + n, updated_at=utcnow())
            .returning(stock.c.added_total, stock.c.used_total)
        )
    ).first()
    if taken is None:
        current = await balance(session, device.device_id)
        raise ApiError(
            409,
            "STOCK_INSUFFICIENT",
            f"预制卡余量不足：未使用 {current.remaining} 张，需要 {n} 张",
            {"remaining": current.remaining, "requested": n},
        )
    return Balance(device.device_id, *taken)


def ledger_query(scope_where: list[Any], max_remaining: int | None) -> sa.Select:
    """Devices with their ledger (devices never stocked show 0 / 0 / 0), by device ID."""
    added = sa.func.coalesce(BlankCardStock.added_total, 0)
    used = sa.func.coalesce(BlankCardStock.used_total, 0)
    query = (
        sa.select(Device, added.label("added_total"), used.label("used_total"), BlankCardStock.updated_at)
        .outerjoin(BlankCardStock, BlankCardStock.device_id == Device.device_id)
        .where(*scope_where)
        .order_by(Device.device_id)
    )
    if max_remaining is not None:
        query = query.where(added - used <= max_remaining)
    return query
