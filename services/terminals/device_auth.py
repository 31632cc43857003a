"""终端接口的设备认证：校验 HMAC-SM3 请求签名、时间窗与一次性随机数（见 `signing`）。

Checks, cheapest first: the four headers are present and well-formed; the timestamp is within the
window; the device is registered; the signature matches (constant-time); the device is enabled;
the nonce was not seen before (a primary key in PostgreSQL, so it holds across API workers).
Every refusal is a 4xx and writes nothing but the refused request's nonce. Devices are cached per
worker (`device_cache`); the nonce insert itself re-checks that the cached copy is current.
`SignedDevice` (the heartbeat) checks the signature without touching the database and lets the
route claim the nonce inside its own single statement.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import SessionDep, autocommit, sessionmaker
from services.base.errors import ApiError, unauthorized
from services.terminals import device_cache, signing
from services.terminals.models import Device, DeviceNonce
from yikatong.settings import get_settings

log = logging.getLogger(__name__)
HEADERS = ("x-device-id", "x-timestamp", "x-nonce", "x-signature")
_FORMATS = (
    re.compile(r"LS-\d{6}-\d{4,6}"),
    re.compile(r"\d{9,11}"),
    re.compile(r"[A-Za-z0-9_-]{16,64}"),
    re.compile(r"[0-9a-f]{64}"),
)


def signed_path(request: Request) -> str:
    """The path and raw query string exactly as the client signed them (shared by partner auth)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.split(b"?", 1)[0].decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def _headers(request: Request) -> tuple[str, str, str, str]:
    values = tuple(request.headers.get(name, "") for name in HEADERS)
    if not all(values):
        raise unauthorized(
            "SIGNATURE_MISSING", "缺少签名请求头：X-Device-Id、X-Timestamp、X-Nonce、X-Signature"
        )
    if not all(p.fullmatch(v) for p, v in zip(_FORMATS, values, strict=True)):
        raise unauthorized("SIGNATURE_MALFORMED", "签名请求头格式错误")
    return values  # type: ignore[return-value]


def _signed(known: device_cache.KnownDevice, request: Request, headers: tuple, body: bytes) -> bool:
    _, timestamp, nonce, given = headers
    expected = signing.signature(known.secret, request.method, signed_path(request), timestamp, nonce, body)
    return hmac.compare_digest(expected, given)


async def _load(device_id: str) -> device_cache.KnownDevice:
    """The device from the database. The first miss in a worker (and the first after the cache's
    TTL) reads every enabled device in one statement, so a fleet's first heartbeats do not each
    pay a read; any other miss reads its device alone. Both on an autocommitted connection of
    their own, handed back at once: one round trip, and a request never holds one connection
    while it waits for another (through the request's session, 60 requests at once held the pool
    idle in transaction while each waited for the heartbeat's second connection)."""
    if device_cache.needs_fill():
        device_cache.mark_filling()
        try:
            device_cache.fill(await _read(Device.status == "启用"))
        except Exception:
            device_cache.forget()  # the next miss tries again
            raise
        known = device_cache.get(device_id)
        if known is not None:
            return known
    found = await _read(Device.device_id == device_id)
    if not found:
        raise unauthorized("DEVICE_UNKNOWN", "设备未登记")
    return device_cache.remember(found[0])


async def _read(condition: sa.ColumnElement[bool]) -> list[Device]:
    """Devices matching `condition`, detached: snapshots shared by this worker's requests, never flushed."""
    async with autocommit() as conn, AsyncSession(bind=conn, expire_on_commit=False) as reader:
        devices = list((await reader.scalars(sa.select(Device).where(condition))).all())
        reader.expunge_all()
    return devices


def _claim_nonce(device: Device, nonce: str, expires: datetime) -> sa.Insert:
    """Store the nonce only while the device is still 启用 and unchanged since it was read."""
    unchanged = sa.exists().where(
        Device.device_id == device.device_id, Device.status == "启用", Device.updated_at == device.updated_at
    )
    rows = sa.select(sa.literal(device.device_id), sa.literal(nonce), sa.literal(expires)).where(unchanged)
    stmt = pg_insert(DeviceNonce).from_select(["device_id", "nonce", "expires_at"], rows)
    return stmt.on_conflict_do_nothing().returning(DeviceNonce.nonce)


def _expires(timestamp: str) -> datetime:
    return datetime.fromtimestamp(max(int(timestamp), int(time.time())) + _window(), UTC)


async def _known_signer(
    request: Request, headers: tuple[str, str, str, str], body: bytes
) -> device_cache.KnownDevice:
    """The device that signed this (cached, or read when the cached secret does not match)."""
    known = device_cache.get(headers[0])
    if known is None or not _signed(known, request, headers, body):
        known = await _load(headers[0])
        if not _signed(known, request, headers, body):
            raise unauthorized("SIGNATURE_INVALID", "签名无效")
        if known.device.status != "启用":
            raise ApiError(403, "DEVICE_DISABLED", "设备已停用")
    return known


async def _verified(
    session: AsyncSession,
    request: Request,
    headers: tuple[str, str, str, str],
    body: bytes,
    known: device_cache.KnownDevice | None = None,
) -> Device:
    """The device whose signature this is, with its nonce claimed in the session's transaction."""
    device_id, timestamp, nonce, _ = headers
    expires = _expires(timestamp)
    known = known or device_cache.get(device_id)
    for attempt in range(2):  # the cached copy first; the database's when that one is stale
        if known is None or not _signed(known, request, headers, body):
            known = await _known_signer(request, headers, body)
        if await session.scalar(_claim_nonce(known.device, nonce, expires)) is not None:
            return known.device
        seen = sa.select(DeviceNonce.nonce).where(
            DeviceNonce.device_id == device_id, DeviceNonce.nonce == nonce
        )
        if attempt or await session.scalar(seen) is not None:
            raise ApiError(409, "NONCE_REPLAYED", "重复的请求（随机数已使用），已拒绝")
        device_cache.forget(device_id)  # edited, re-keyed or deactivated since it was cached
        known = None
    raise ApiError(409, "NONCE_REPLAYED", "重复的请求（随机数已使用），已拒绝")  # not reached


def _window() -> int:
    return get_settings().device_signature_window_s


async def _burn_nonce(session: AsyncSession, device_id: str, nonce: str, timestamp: str) -> None:
    """A refused request's nonce is kept too (own transaction), so it cannot be replayed later."""
    expires = _expires(timestamp)
    try:
        await session.rollback()
        stmt = pg_insert(DeviceNonce).values(device_id=device_id, nonce=nonce, expires_at=expires)
        await session.execute(stmt.on_conflict_do_nothing())
        await session.commit()
    except Exception:  # the refusal stands; the database is likely what failed
        log.warning("未能记录被拒请求的随机数 / could not keep a refused request's nonce", exc_info=True)


async def authenticate_device(request: Request, session: SessionDep) -> AsyncIterator[Device]:
    """签名正确、在时间窗内、未重放、已启用的设备。

    The nonce is written in the request's own transaction, so a heartbeat commits once; a route
    that writes nothing gets it committed here on the way out, and a refused one in a transaction
    of its own.
    """
    headers = _headers(request)
    device_id, timestamp, nonce, _ = headers
    window = _window()
    if abs(time.time() - int(timestamp)) > window:
        raise unauthorized("SIGNATURE_EXPIRED", f"请求时间戳超出允许范围（±{window} 秒），请校准设备时钟")
    device = await _verified(session, request, headers, await request.body())
    request.state.device = device
    try:
        yield device
    except Exception:
        await _burn_nonce(session, device_id, nonce, timestamp)
        raise
    if session.in_transaction():
        await session.commit()


CurrentDevice = Annotated[Device, Depends(authenticate_device, scope="function")]


@dataclass
class SignedCall:
    """A kiosk request whose signature checked out; its nonce is not stored yet. A route that can
    do its whole work in one statement claims the nonce inside that statement (as
    `status.QUIET_SIGNED_HEARTBEAT` does) and falls back to `verify` (exact refusals, nonce in the
    session's transaction) otherwise."""

    device: Device
    nonce: str
    expires: datetime
    headers: tuple[str, str, str, str]
    body: bytes
    known: device_cache.KnownDevice

    async def verify(self, session: AsyncSession, request: Request) -> Device:
        return await _verified(session, request, self.headers, self.body, self.known)


async def signed_call(request: Request) -> AsyncIterator[SignedCall]:
    """The signature checks of `authenticate_device`, without touching the database when the
    device is cached (no session is even opened: the route takes a connection when it needs one);
    a refused request's nonce is kept as there."""
    headers = _headers(request)
    device_id, timestamp, nonce, _ = headers
    window = _window()
    if abs(time.time() - int(timestamp)) > window:
        raise unauthorized("SIGNATURE_EXPIRED", f"请求时间戳超出允许范围（±{window} 秒），请校准设备时钟")
    body = await request.body()
    known = await _known_signer(request, headers, body)
    request.state.device = known.device
    try:
        yield SignedCall(known.device, nonce, _expires(timestamp), headers, body, known)
    except Exception:
        async with sessionmaker()() as session:
            await _burn_nonce(session, device_id, nonce, timestamp)
        raise


SignedDevice = Annotated[SignedCall, Depends(signed_call, scope="function")]
