"""工作人员会话的进程内缓存：令牌摘要 → 已核验的会话，省去每个请求查一次会话表。

Only trusted while this worker listens to PostgreSQL: triggers on `staff_session` and `staff_user`
(migration `0012_staff_auth_notify`) send `NOTIFY ykt_staff_auth` on every change that can end a
session — logout, password change, disable, role / region change, lock, deletion — whoever made
it, in whichever process, in the same transaction. Each worker drops the cached sessions named
in a notification as soon as it arrives (the listening socket is read by the event loop, and again
before every cache hit, so a request never overtakes a notification already on the wire).

A read that races a change cannot re-cache what the change ended: every notification bumps a
generation counter, and a row is cached only if no notification arrived while it was read. Without
the listener (not started, reconnecting) nothing is cached and every request reads the database.
An entry also lives at most `TTL_S` seconds, a backstop should a notification ever be missed.
The idle clock stays with the caller: it uses an entry only while the cached `last_seen_at` is
recent enough that no refresh is due (`services.base.security`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from services.base import db
from yikatong import db as platform_db

CHANNEL = "ykt_staff_auth"  # payloads: "s:<token hash>", "u:<staff user id>", "*" (everything)
TTL_S = 10.0
CHECK_EVERY_S = 10.0  # how often the listening connection proves it is alive
RETRY_S = 1.0
MAX_SESSIONS = 10_000
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Cached:
    """A session as read from the database, with the staff member it belongs to."""

    principal: Any
    user_id: int
    last_seen_at: datetime
    expires_at: datetime
    loaded_at: float


_sessions: dict[str, Cached] = {}
_generation = 0
_conn: psycopg.AsyncConnection | None = None  # the listening connection, while it is healthy
_busy = False  # the connection runs a statement: psycopg reads it, not `_drain`
_lost: asyncio.Event | None = None


def listening() -> bool:
    return _conn is not None


def generation() -> int:
    """Taken before reading a session; `put` refuses the row if a notification came meanwhile."""
    return _generation


def get(key: str) -> Cached | None:
    """The cached session for a token hash, after applying every notification already received."""
    if _conn is None:
        return None
    _drain()
    cached = _sessions.get(key)
    if cached is not None and time.monotonic() - cached.loaded_at > TTL_S:
        del _sessions[key]
        return None
    return cached


def put(key: str, seen_generation: int, cached: Cached) -> None:
    """Cache a session read from the database, unless something changed since the read began."""
    _drain()
    if _conn is None or seen_generation != _generation:
        return
    if len(_sessions) >= MAX_SESSIONS:
        _sessions.clear()
    _sessions[key] = cached


def forget(key: str | None = None, *, user_id: int | None = None) -> None:
    """Drop one session, every session of one staff member, or (no arguments) everything."""
    global _generation
    _generation += 1
    if key is not None:
        _sessions.pop(key, None)
    elif user_id is not None:
        for stale in [k for k, c in _sessions.items() if c.user_id == user_id]:
            del _sessions[stale]
    else:
        _sessions.clear()


def _apply(payload: str) -> None:
    kind, _, value = payload.partition(":")
    if kind == "s" and value:
        forget(value)
    elif kind == "u" and value.isdigit():
        forget(user_id=int(value))
    else:
        forget()


def _on_notify(notify: psycopg.Notify) -> None:  # received while a statement ran
    _apply(notify.payload)


def _drain() -> None:
    """Apply the notifications waiting on the socket (non-blocking: libpq reads what is there)."""
    if _conn is None or _busy:
        return
    pgconn = _conn.pgconn
    try:
        pgconn.consume_input()  # raises once the connection is gone
        while (notify := pgconn.notifies()) is not None:
            _apply(notify.extra.decode())
    except Exception:
        _give_up("连接中断 / connection lost")


def _give_up(why: str, *, expected: bool = False) -> None:
    """Stop trusting the cache at once; `run_forever` reconnects."""
    global _conn
    if _conn is not None:
        (log.info if expected else log.warning)("会话缓存停用 / session cache off: %s", why)
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(_conn.pgconn.socket)
    _conn = None
    forget()
    if _lost is not None:
        _lost.set()


async def _check(conn: psycopg.AsyncConnection) -> None:
    """One round trip on the listening connection (its notifications go to `_on_notify`)."""
    global _busy
    loop = asyncio.get_running_loop()
    _busy = True
    loop.remove_reader(conn.pgconn.socket)
    try:
        await conn.execute("select 1")
    finally:
        _busy = False
    if _conn is conn:
        loop.add_reader(conn.pgconn.socket, _drain)
        _drain()


async def _listen() -> None:
    global _conn, _lost
    dsn = platform_db.dsn(db.database_name())
    conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True, application_name="ykt-session-cache")
    try:
        conn.add_notify_handler(_on_notify)
        await conn.execute(f"listen {CHANNEL}")
        forget()  # whatever was cached before this connection listened is unproven
        _lost, _conn = asyncio.Event(), conn
        asyncio.get_running_loop().add_reader(conn.pgconn.socket, _drain)
        while _conn is conn:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_lost.wait(), CHECK_EVERY_S)
            if _conn is conn:
                await _check(conn)
    finally:
        if _conn is conn:
            _give_up("监听结束 / listener stopped", expected=True)
        with contextlib.suppress(Exception):
            await conn.close()


async def run_forever() -> None:
    """The worker's listener (in the app's lifespan): listen, and reconnect whenever it drops."""
    while True:
        try:
            await _listen()
        except Exception:  # the database may be restarting: requests read it directly meanwhile
            log.warning("会话缓存监听失败，稍后重试 / session cache listener failed", exc_info=True)
        await asyncio.sleep(RETRY_S)
