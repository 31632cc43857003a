"""外发消息（transactional outbox）：业务变化与其待办/推送消息在同一事务写入，投递循环送达渠道。

Any module enqueues with one call, inside its own transaction: `await outbox.enqueue(session,
channel_id, topic, recipient, payload)`. The loop (`run_forever`, one per worker) claims due messages
with `FOR UPDATE SKIP LOCKED`, POSTs each to the channel's `push_url` with header `X-Message-Id`
(the receiver deduplicates on it), marks 2xx as 已发 and retries anything else at
`BACKOFF_S · 2^(n−1)` (capped) until `MAX_ATTEMPTS`, then 失败. Delivered exactly once: a message
is marked sent in the same transaction that holds its row lock, and a resend after a lost answer
carries the same ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import db
from services.base.http import tls_context
from services.channels.models import Channel, OutboxMessage

BACKOFF_S, BACKOFF_MAX_S, MAX_ATTEMPTS, EVERY_S, BATCH = 5, 600, 8, 5, 50
log = logging.getLogger(__name__)


async def enqueue(
    session: AsyncSession, channel_id: str, topic: str, recipient: str, payload: dict[str, Any]
) -> str:
    """Add a message to the outbox (committed with the caller's transaction); returns its ID."""
    message_id = uuid.uuid4().hex
    session.add(
        OutboxMessage(
            message_id=message_id,
            channel_id=channel_id,
            topic=topic,
            recipient=recipient,
            payload=payload,
            next_attempt_at=db.utcnow(),
        )
    )
    return message_id


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_S * 2 ** (attempts - 1), BACKOFF_MAX_S))


async def _send(http: httpx.AsyncClient, url: str | None, message: OutboxMessage) -> str | None:
    """None when delivered, else the reason."""
    if not url:
        return "渠道未配置推送地址"
    body = {
        "message_id": message.message_id,
        "topic": message.topic,
        "recipient": message.recipient,
        "payload": message.payload,
    }
    try:
        response = await http.post(url, json=body, headers={"X-Message-Id": message.message_id})
    except httpx.HTTPError as exc:
        return f"网络错误：{type(exc).__name__}"
    return None if response.is_success else f"渠道应答 HTTP {response.status_code}"


async def _any_due(now: datetime) -> bool:
    due = sa.select(OutboxMessage.message_id).where(
        OutboxMessage.status == "待发", OutboxMessage.next_attempt_at <= now
    )
    async with db.autocommit() as conn:
        return (await conn.execute(due.limit(1))).first() is not None


async def deliver_due(transport: httpx.AsyncBaseTransport | None = None) -> dict[str, int]:
    """One pass: deliver every due message; returns counts of 已发 / 重试 / 失败."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    now = db.utcnow()
    if not await _any_due(now):  # the usual pass: one cheap autocommitted probe, no transaction
        return counts
    client = httpx.AsyncClient(timeout=5.0, transport=transport, verify=tls_context())
    async with db.sessionmaker()() as session, client as http:
        rows = (
            await session.execute(
                sa.select(OutboxMessage, Channel.push_url)
                .join(Channel, Channel.channel_id == OutboxMessage.channel_id, isouter=True)
                .where(OutboxMessage.status == "待发", OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at)
                .limit(BATCH)
                .with_for_update(of=OutboxMessage, skip_locked=True)
            )
        ).all()
        for message, url in rows:
            error = await _send(http, url, message)
            message.attempts += 1
            if error is None:
                message.status, message.delivered_at, message.last_error = "已发", db.utcnow(), None
                counts["sent"] += 1
            elif message.attempts >= MAX_ATTEMPTS:
                message.status, message.last_error = "失败", error[:200]
                counts["failed"] += 1
            else:
                message.next_attempt_at, message.last_error = (
                    db.utcnow() + backoff(message.attempts),
                    error[:200],
                )
                counts["retry"] += 1
        await session.commit()
    return counts


async def run_forever() -> None:
    while True:
        await asyncio.sleep(EVERY_S)
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await deliver_due()
            except Exception:
                log.exception("外发消息投递失败 / outbox pass failed")
