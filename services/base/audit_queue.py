"""查询类审计的批量写入：工作人员的只读操作先入本进程队列，约每 100 毫秒一次性写入审计链。

A change and its audit row still commit together (`Audit.ok`). A read changes nothing, so its row
need not share a transaction with anything: it is queued and a worker's flusher appends the queued
rows every `FLUSH_EVERY_S` (or as soon as `FLUSH_AT` rows wait) with one `append` — one head lock,
one transaction, still hash-chained in order. A request no longer holds the chain head's lock, so
reads stop serialising on it. The flusher runs in the app's lifespan and flushes what is left when
the worker stops; where no flusher runs (scripts, tests without a lifespan) `Audit` appends inline.
A failed flush keeps the rows and tries again on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from services.base import db

FLUSH_EVERY_S = 0.1
FLUSH_AT = 500
MAX_PENDING = 200_000  # beyond this the database has been down a long while: rows are dropped, loudly
log = logging.getLogger(__name__)

_pending: list[dict[str, Any]] = []
_wake: asyncio.Event | None = None  # made by the flusher, on its own event loop
_running = False


def running() -> bool:
    """Whether this process has a flusher (otherwise callers append inline)."""
    return _running


def enqueue(entry: dict[str, Any]) -> None:
    """Queue one audit row (already stamped with its time); it is chained at the next flush."""
    if len(_pending) >= MAX_PENDING:
        log.error("审计队列已满，丢弃一条 / audit queue full, dropping %s", entry.get("action"))
        return
    _pending.append(entry)
    if len(_pending) >= FLUSH_AT and _wake is not None:
        _wake.set()


def pending() -> int:
    return len(_pending)


async def flush() -> int:
    """Append every queued row in one transaction; returns how many were written."""
    from services.base.audit import append  # audit imports this module

    if not _pending:
        return 0
    batch = _pending[:]
    del _pending[:]  # taken before the first await, so concurrent flushes never write a row twice
    try:
        async with db.sessionmaker()() as session:
            await append(session, batch)
            await session.commit()
    except BaseException:
        _pending[:0] = batch  # back in front, in order, for the next attempt
        raise
    return len(batch)


async def _tick(wake: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), FLUSH_EVERY_S)
    wake.clear()
    try:
        await flush()
    except Exception:  # the database may be restarting: keep the rows, try again
        log.warning("审计日志批量写入失败，稍后重试 / audit flush failed", exc_info=True)
        await asyncio.sleep(1)


async def run_forever() -> None:
    """The worker's flusher: every ~100 ms, and a last flush when the worker stops."""
    global _running, _wake
    _running, _wake = True, asyncio.Event()
    try:
        while True:
            await _tick(_wake)
    finally:
        _running, _wake = False, None
        try:
            await asyncio.shield(flush())
        except Exception:
            log.exception("停止时审计日志写入失败 / final audit flush failed: %d rows lost", len(_pending))
