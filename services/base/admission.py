"""准入控制：每个 API 进程同时处理的数据库请求数有上限，超出的排队，队列满或等待过久则返回 503。

Why: at 2,000 connections each worker admitted ~1,000 requests at once. Every one of them took
event-loop turns and waited on the database pool (40 + 20); each round trip of an admitted request
waited behind a thousand others, requests outlived their clients' timeouts, pool checkouts timed
out after 30 s with a traceback each, and throughput collapsed (congestion collapse).

Now at most `MAX_ACTIVE` requests per worker run past this middleware (fewer than the pool's 40
steady connections, so no request opens an overflow connection and the background writers of the
audit and access logs always find one). The others
wait, parked on a semaphore (no event-loop work while they wait), in arrival order. More than
`MAX_WAITING` waiting, or a wait longer than `WAIT_S`, and the request is refused at once with
503 `SERVICE_BUSY`, `Retry-After` and the standard error body; nothing has been done for it.
Paths that never touch the database (liveness, the benchmark's bare endpoint) are not gated.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_ACTIVE = 32  # within the pool's 40 steady connections: beyond them each checkout opened (and
# closed again) an overflow connection, a new PostgreSQL backend per request
MAX_WAITING = 2_000
WAIT_S = 10.0  # well below the pool's 30 s checkout timeout and most clients' patience
RETRY_AFTER_S = 1
UNGATED = frozenset({"/api/v1/health", "/api/v1/_bench/ping"})


class Admission:
    """Pure ASGI middleware (see the module docstring); one gate per worker and event loop."""

    def __init__(
        self,
        app: ASGIApp,
        max_active: int = MAX_ACTIVE,
        max_waiting: int = MAX_WAITING,
        wait_s: float = WAIT_S,
    ) -> None:
        self.app, self.max_active, self.max_waiting, self.wait_s = app, max_active, max_waiting, wait_s
        self._gate: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.waiting = 0
        self.refused = 0

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._loop is not loop:  # tests run apps on several loops
            self._gate, self._loop, self.waiting = asyncio.Semaphore(self.max_active), loop, 0
        return self._gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNGATED:
            await self.app(scope, receive, send)
            return
        gate = self._semaphore()
        if gate.locked() and self.waiting >= self.max_waiting:
            await self._busy(send)
            return
        if gate.locked():  # wait in line (a timer, no extra task: `asyncio.timeout`, not `wait_for`)
            self.waiting += 1
            try:
                async with asyncio.timeout(self.wait_s):
                    await gate.acquire()
            except TimeoutError:
                await self._busy(send)
                return
            finally:
                self.waiting -= 1
        else:
            await gate.acquire()  # a free slot: taken at once
        try:
            await self.app(scope, receive, send)
        finally:
            gate.release()

    async def _busy(self, send: Send) -> None:
        self.refused += 1
        await busy_response(send)


async def busy_response(send: Send) -> None:
    """503 SERVICE_BUSY with Retry-After and the standard `{code, message, detail}` body."""
    body = json.dumps(
        {
            "code": "SERVICE_BUSY",
            "message": "服务繁忙，请稍后重试",
            "detail": {"retry_after_s": RETRY_AFTER_S},
        },
        ensure_ascii=False,
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_S).encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
