"""回盘（制卡结果写回省卡管系统）：设备上报、自动重试、失败列表、人工重试，每次尝试都有记录。

States of a card's write-back record:

- 成功: the province accepted it (or answered 4002 "already written back").
- 待重试: the last attempt failed and fewer than `max_attempts` were made; the background loop
  tries again at `next_attempt_at` (backoff `backoff_s · 2^(n−1)`, capped at `backoff_max_s`).
- 失败: automatic attempts are used up; it is in the failed list, and only these records may be
  retried by hand (each manual attempt is recorded with the operator).

Several API workers run the loop at once: each claims due records with `FOR UPDATE SKIP LOCKED`
and pushes their `next_attempt_at` out by a lease before calling the province outside any
transaction, so a record is tried by one worker at a time (a crashed worker's lease expires).
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import db
from services.base.db import utcnow
from services.base.errors import conflict, not_found
from services.base.security import Scope
from services.cards import personal
from services.cards.card_system_client import ALREADY_WRITTEN_BACK, CardSystemClient, CardSystemError
from services.cards.device_schemas import WritebackIn
from services.cards.models import Writeback, WritebackAttempt
from services.terminals.models import Device
from yikatong import pii

DEVICE, AUTO, MANUAL = "设备自动", "自动重试", "人工重试"


class WritebackPolicy(BaseSettings):
    """自动重试策略（`YKT_WRITEBACK_*`）。"""

    model_config = SettingsConfigDict(env_prefix="YKT_WRITEBACK_", extra="ignore")

    max_attempts: int = Field(default=5, ge=1, le=20, description="含设备自身的那一次")
    backoff_s: int = Field(default=60, ge=1)
    backoff_max_s: int = Field(default=3600, ge=1)
    lease_s: int = Field(default=120, ge=10, description="一个进程认领记录后独占的时间")
    batch: int = Field(default=20, ge=1, le=200)
    every_s: float = Field(default=15, gt=0)

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_s * 2 ** (attempts - 1), self.backoff_max_s))


@functools.cache
def policy() -> WritebackPolicy:
    return WritebackPolicy()


class ReportResult(BaseModel):
    writeback_id: int
    card_no: str
    state: str = Field(description="成功 / 待重试 / 失败")
    attempts: int
    next_attempt_at: datetime | None
    duplicate: bool


def _result(record: Writeback, duplicate: bool = False) -> ReportResult:
    return ReportResult(
        writeback_id=record.id,
        card_no=record.card_no,
        state=record.state,
        attempts=record.attempts,
        next_attempt_at=record.next_attempt_at,
        duplicate=duplicate,
    )


def _settle(record: Writeback, ok: bool, error: str | None, now: datetime) -> None:
    """The record's state after an automatic (device or loop) attempt."""
    record.updated_at = now
    if ok:
        record.state, record.completed_at, record.next_attempt_at, record.last_error = "成功", now, None, None
        return
    record.last_error = error
    if record.attempts >= policy().max_attempts:
        record.state, record.next_attempt_at = "失败", None
    else:
        record.state, record.next_attempt_at = "待重试", now + policy().delay(record.attempts)


async def _attempt(session: AsyncSession, record: Writeback, mode: str, operator: str, **fields) -> None:
    record.attempts += 1
    row = {"writeback_id": record.id, "attempt_no": record.attempts, "mode": mode, "operator": operator}
    await session.execute(sa.insert(WritebackAttempt).values(**row, attempted_at=utcnow(), **fields))


async def report(session: AsyncSession, device: Device, body: WritebackIn) -> ReportResult:
    """A kiosk's own write-back result: creates the card's record or adds an attempt to it."""
    seen = await session.scalar(
        sa.select(Writeback)
        .join(WritebackAttempt)
        .where(WritebackAttempt.device_id == device.device_id, WritebackAttempt.event_id == body.event_id)
    )
    if seen is not None:
        return _result(seen, duplicate=True)
    account = personal.stored("bank_account", body.bank_account, "bank_card")
    new = {"card_no": body.card_no, "device_id": device.device_id, "outlet_code": device.outlet_code}
    new |= {"region_code": device.region_code, "chip_no": body.chip_no, "state": "待重试", "attempts": 0}
    await session.execute(pg_insert(Writeback).values(**new, **account).on_conflict_do_nothing())
    record = await session.scalar(
        sa.select(Writeback).where(Writeback.card_no == body.card_no).with_for_update()
    )
    if record.state == "成功":
        raise conflict("WRITEBACK_DONE", "该卡已回盘成功，无需再次回盘")
    for key, value in account.items():
        setattr(record, key, value)
    record.chip_no = body.chip_no
    ok = body.result == "成功"
    error = None if ok else f"{body.error_code or ''} {body.error_message or '设备回盘失败'}".strip()
    source = {"device_id": device.device_id, "event_id": body.event_id}
    outcome = {"result": body.result, "error_code": body.error_code, "error_message": body.error_message}
    await _attempt(session, record, DEVICE, device.device_id, **source, **outcome)
    _settle(record, ok, error, utcnow())
    await session.flush()
    return _result(record)


async def _call_province(client: CardSystemClient, record: Writeback) -> tuple[bool, str | None, str | None]:
    """(ok, error code, error message) of one write-back call."""
    account = pii.protector().decrypt(record.bank_account_cipher, "bank_card")
    try:
        await client.write_back(record.card_no, account, record.chip_no)
    except CardSystemError as exc:
        if exc.code == ALREADY_WRITTEN_BACK:
            return True, None, None
        return False, exc.code, exc.message
    return True, None, None


async def _claim(now: datetime) -> list[int]:
    """Due records, leased to this worker (skipping rows another worker holds)."""
    p = policy()
    due = (
        sa.select(Writeback.id)
        .where(Writeback.state == "待重试", Writeback.next_attempt_at <= now)
        .order_by(Writeback.next_attempt_at)
        .limit(p.batch)
        .with_for_update(skip_locked=True)
    )
    lease = now + timedelta(seconds=p.lease_s)
    claim = sa.update(Writeback).where(Writeback.id.in_(due.scalar_subquery())).values(next_attempt_at=lease)
    async with db.sessionmaker()() as session:
        ids = list(await session.scalars(claim.returning(Writeback.id)))
        await session.commit()
    return ids


async def retry_due(client: CardSystemClient, now: datetime | None = None) -> int:
    """One round of automatic retries; returns how many records were tried."""
    clock = now or utcnow()
    ids = await _claim(clock)
    for record_id in ids:
        async with db.sessionmaker()() as session:
            record = await session.get(Writeback, record_id)
            await session.commit()  # no transaction stays open while the province answers
            ok, code, message = await _call_province(client, record)
            record = await session.get(Writeback, record_id, with_for_update=True, populate_existing=True)
            if record.state != "待重试":  # settled meanwhile (e.g. the kiosk reported success)
                continue
            outcome = {"result": "成功" if ok else "失败", "error_code": code, "error_message": message}
            await _attempt(session, record, AUTO, "system", **outcome)
            _settle(record, ok, None if ok else f"{code} {message}", clock)
            await session.commit()
    return len(ids)


async def get(session: AsyncSession, scope: Scope, record_id: int, *, lock: bool = False) -> Writeback:
    query = sa.select(Writeback).where(Writeback.id == record_id, scope.where(Writeback.region_code))
    record = await session.scalar(query.with_for_update() if lock else query)
    if record is None:
        raise not_found("回盘记录")
    return record


async def manual_retry(
    session: AsyncSession, scope: Scope, record_id: int, operator: str, client: CardSystemClient
) -> tuple[Writeback, bool]:
    """Retry a 失败 record once, now (others: 409). Returns the record and whether it succeeded."""
    record = await get(session, scope, record_id, lock=True)
    if record.state != "失败":
        raise conflict("WRITEBACK_NOT_FAILED", f"只能对回盘失败的记录手工回盘，该记录状态为“{record.state}”")
    # the row stays locked during the call (≤ 10 s), so two operators cannot retry it twice
    ok, code, message = await _call_province(client, record)
    outcome = {"result": "成功" if ok else "失败", "error_code": code, "error_message": message}
    await _attempt(session, record, MANUAL, operator, **outcome)
    now = utcnow()
    record.updated_at = now
    if ok:
        record.state, record.completed_at, record.last_error = "成功", now, None
    else:
        record.last_error = f"{code} {message}"
    await session.flush()
    return record, ok


async def history(session: AsyncSession, record_id: int) -> list[WritebackAttempt]:
    query = sa.select(WritebackAttempt).where(WritebackAttempt.writeback_id == record_id)
    return list(await session.scalars(query.order_by(WritebackAttempt.attempt_no)))
