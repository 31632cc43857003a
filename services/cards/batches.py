"""制卡批次：按批次号从省卡管系统获取制卡数据并按批次保存（再次获取即以省里的最新数据替换）。

Each card of a batch is placed in the region of its pickup outlet (LKWDBM); a card without a known
outlet belongs to the city, so only city-level staff see it. A 县级 user sees a batch when at
least one of its cards is in their region, and only those cards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.errors import ApiError, not_found
from services.base.security import Scope
from services.cards import personal
from services.cards.card_system_client import CardSystemClient, CardSystemError
from services.cards.models import CardBatch, CardBatchItem
from yikatong import ids, regions

BEIJING = ZoneInfo("Asia/Shanghai")  # the card system's clock


def _time(value: str | None) -> datetime | None:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING) if value else None


def _item(batch_no: str, card: dict[str, Any]) -> dict[str, Any]:
    outlet = card.get("LKWDBM")
    known = bool(outlet) and regions.exists(outlet) and regions.get(outlet).level == "outlet"
    id_number, name = (card.get("AAC002") or "").strip().upper(), (card.get("AAC003") or "").strip()
    row = {"batch_no": batch_no, "card_no": card["AAZ500"], "box_position": card.get("ZXWZ")}
    row |= {"outlet_code": outlet if known else None, "send_address": (card.get("CITYSENDADDR") or None)}
    row["region_code"] = regions.get(outlet).parent if known else regions.CITY
    # the province's own data may be dirty: keep what it sent, protected all the same
    row |= personal.stored("holder_id", id_number or None, "id_number")
    row |= personal.stored("holder_name", name or None, "name", with_token=False)
    row["holder_id_masked"] = row["holder_id_masked"] and row["holder_id_masked"][:18]
    row["holder_name_masked"] = row["holder_name_masked"] and row["holder_name_masked"][:50]
    return row


async def fetch(
    session: AsyncSession, client: CardSystemClient, batch_no: str, operator: str
) -> tuple[CardBatch, int]:
    """Ask the province for the batch and store it; returns the batch and its card count."""
    try:
        data = await client.batch(batch_no)
    except CardSystemError as exc:
        if exc.code == "3001":
            raise ApiError(404, "BATCH_NOT_FOUND", f"省卡管系统中没有批次 {batch_no}") from None
        raise ApiError(
            502, "CARD_SYSTEM_UNAVAILABLE", f"省卡管系统暂不可用：{exc.message}", {"code": exc.code}
        ) from None
    cards = [c for c in data.get("CARDS") or [] if c.get("AAZ500") and ids.is_valid_card_number(c["AAZ500"])]
    head = {
        "bank_code": data.get("AAE008"),
        "bank_name": data.get("AAE008MC"),
        "card_count": data.get("ZKSL"),
        "made_at": _time(data.get("ZKSJ")),
        "city_received_at": _time(data.get("JSSJ")),
        "fetched_by": operator,
        "fetched_at": utcnow(),
    }
    upsert = pg_insert(CardBatch).values(batch_no=batch_no, **head)
    await session.execute(upsert.on_conflict_do_update(index_elements=[CardBatch.batch_no], set_=head))
    await session.execute(sa.delete(CardBatchItem).where(CardBatchItem.batch_no == batch_no))
    if cards:
        await session.execute(sa.insert(CardBatchItem), [_item(batch_no, c) for c in cards])
    return await session.get(CardBatch, batch_no, populate_existing=True), len(cards)


def _in_scope(scope: Scope) -> sa.Select:
    return (
        sa.select(CardBatchItem.batch_no, sa.func.count().label("cards_in_scope"))
        .where(scope.where(CardBatchItem.region_code))
        .group_by(CardBatchItem.batch_no)
        .subquery()
    )


def list_query(scope: Scope) -> sa.Select:
    counted = _in_scope(scope)
    return (
        sa.select(CardBatch, counted.c.cards_in_scope)
        .join(counted, counted.c.batch_no == CardBatch.batch_no)
        .order_by(CardBatch.fetched_at.desc(), CardBatch.batch_no)
    )


async def get(session: AsyncSession, scope: Scope, batch_no: str) -> tuple[CardBatch, int]:
    row = (await session.execute(list_query(scope).where(CardBatch.batch_no == batch_no))).first()
    if row is None:
        raise not_found("制卡批次")
    return row[0], row[1]


def cards_query(scope: Scope, batch_no: str) -> sa.Select:
    return (
        sa.select(CardBatchItem)
        .where(CardBatchItem.batch_no == batch_no, scope.where(CardBatchItem.region_code))
        .order_by(CardBatchItem.box_position, CardBatchItem.card_no)
    )
