"""Batched writes of the access log, off the request path (one per process).

`record(item)` appends an item (a `Row`, or anything with `row()`, e.g. the middleware's
`Observed`, turned into a `Row` at flush time) to a list: no I/O, no await, no classification.
A background task started with the first item swaps the list out every `FLUSH_EVERY_S` (or as
soon as `BATCH_ROWS` are waiting) and writes the batch with one autocommitted INSERT … unnest.
When the database is unreachable the batch goes back to the front of the list and is tried again
next round, up to `MAX_PENDING` rows (beyond that the oldest are dropped and counted, so a long
outage cannot exhaust memory). `close()` (the app's shutdown) stops the task and writes what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any, NamedTuple

from services.base import db

FLUSH_EVERY_S = 0.2
BATCH_ROWS = 500
MAX_PENDING = 200_000
log = logging.getLogger(__name__)


class Row(NamedTuple):
    """One request, in the column order of `access_log` (without `id`)."""

    at: datetime
    actor_kind: str
    actor_token: str | None
    channel: str
    channel_id: str | None
    module: str
    method: str
    endpoint: str
    operation: str
    object_id: str | None
    status: int
    result: str
    error_code: str | None
    latency_ms: float
    ip_masked: str | None
    county_code: str | None
    place: str | None
    request_id: str | None


class AccessLogWriter:
    """The process's buffer and its flushing task."""

    def __init__(self) -> None:
        self.pending: list[Row | Any] = []
        self.dropped = 0
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._inflight: set[asyncio.Future] = set()

    def record(self, item: Row | Any) -> None:
        self.pending.append(item)
        if self._task is None or self._task.done() or self._task.get_loop() is not asyncio.get_running_loop():
            self._start()
        elif len(self.pending) >= BATCH_ROWS and self._wake is not None:
            self._wake.set()

    def _start(self) -> None:
        self._wake, self._stopping = asyncio.Event(), False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="access-log-writer")

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_EVERY_S)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> int:
        """Write everything waiting; returns the rows written (0 and kept for later on failure).

        The write itself is shielded: cancelling a flush (a shutdown) cannot tell whether the
        statement already reached the server, so instead of requeueing rows that may be written
        (twice, then) the write runs to its end and `close()` waits for it."""
        batch, self.pending = self.pending, []
        if not batch:
            return 0
        write = asyncio.ensure_future(self._write(batch))
        self._inflight.add(write)
        write.add_done_callback(self._inflight.discard)
        return await asyncio.shield(write)

    async def _write(self, batch: list[Row | Any]) -> int:
        try:
            await _insert(batch)
        except Exception:  # the database may be restarting: keep the rows for the next round
            log.warning("访问记录写入失败，稍后重试 / access log flush failed", exc_info=True)
            self._requeue(batch)
            return 0
        return len(batch)

    async def settle(self, timeout_s: float = 10.0) -> None:
        """Wait for writes still in flight (those of cancelled flushes)."""
        loop = asyncio.get_running_loop()
        here = {w for w in self._inflight if not w.done() and w.get_loop() is loop}
        self._inflight -= {w for w in self._inflight if w.get_loop() is not loop}  # loop gone with them
        if here:
            await asyncio.wait(here, timeout=timeout_s)

    def _requeue(self, batch: list[Row | Any]) -> None:
        self.pending = batch + self.pending
        overflow = len(self.pending) - MAX_PENDING
        if overflow > 0:
            self.dropped += overflow
            del self.pending[:overflow]

    async def close(self) -> None:
        """Stop the task and write the rows still waiting (the app's shutdown)."""
        task, self._task = self._task, None
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            self._stopping = True
            self._wake.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):  # a hung write: rows requeued
                await asyncio.wait_for(task, 10)
        await self.settle()
        await self.flush()
        if self.pending:
            log.error("关闭时仍有 %d 条访问记录未能写入 / rows not written at shutdown", len(self.pending))


def _as_row(item: Row | Any) -> Row | None:
    if isinstance(item, Row):
        return item
    try:
        return item.row()
    except Exception:  # one odd request must not cost the batch
        log.warning("访问记录无法生成，已跳过 / access log row skipped", exc_info=True)
        return None


async def _insert(batch: list[Row | Any]) -> None:
    """The batch as ONE autocommitted statement (`unnest` of one array per column): the transaction
    begins and ends inside the server during that statement, so no transaction is ever left open
    across an await — not even when the event loop running this ends mid-flush (a COPY or a
    BEGIN … COMMIT there left the connection idle in transaction, holding its lock)."""
    rows = [row for row in map(_as_row, batch) if row is not None]
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    async with db.autocommit() as conn:
        await conn.exec_driver_sql(_INSERT, tuple(list(values) for values in columns))


_TYPES = ("timestamptz", *["varchar"] * 9, "smallint", "varchar", "varchar", "float8", *["varchar"] * 4)
_INSERT = (
    f"insert into access_log ({', '.join(Row._fields)}) select * from unnest("
    + ", ".join(f"%s::{t}[]" for t in _TYPES)
    + ")"
)


WRITER = AccessLogWriter()
