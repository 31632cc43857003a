"""终端接口的设备认证：校验 HMAC-SM3 请求签名、时间窗与一次性随机数（见 `signing`）。

Checks, cheapest first: the four headers are present and well-formed; the timestamp is within the
window; the device is registered; the signature matches (constant-time); the device is enabled;
the nonce was not seen before (a primary key in PostgreSQL, so it holds across API workers).
Every refusal is a 4xx and writes nothing.
"""

from __future__ import annotations

import hmac
import re
import time
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.base.db import SessionDep
from services.base.errors import ApiError, unauthorized
from services.terminals import credentials, signing
from services.terminals.models import Device, DeviceNonce
from yikatong.settings import get_settings

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


async def authenticate_device(request: Request, session: SessionDep) -> Device:
    """签名正确、在时间窗内、未重放、已启用的设备。"""
    device_id, timestamp, nonce, given = _headers(request)
    window = get_settings().device_signature_window_s
    if abs(time.time() - int(timestamp)) > window:
        raise unauthorized("SIGNATURE_EXPIRED", f"请求时间戳超出允许范围（±{window} 秒），请校准设备时钟")
    device = await session.scalar(sa.select(Device).where(Device.device_id == device_id))
    if device is None:
        raise unauthorized("DEVICE_UNKNOWN", "设备未登记")
    body = await request.body()
    secret = credentials.unseal(device.credential, device.device_id)
    expected = signing.signature(secret, request.method, signed_path(request), timestamp, nonce, body)
    if not hmac.compare_digest(expected, given):
        raise unauthorized("SIGNATURE_INVALID", "签名无效")
    if device.status != "启用":
        raise ApiError(403, "DEVICE_DISABLED", "设备已停用")
    expires = datetime.fromtimestamp(max(int(timestamp), int(time.time())) + window, UTC)
    stmt = pg_insert(DeviceNonce).values(device_id=device_id, nonce=nonce, expires_at=expires)
    if await session.scalar(stmt.on_conflict_do_nothing().returning(DeviceNonce.nonce)) is None:
        raise ApiError(409, "NONCE_REPLAYED", "重复的请求（随机数已使用），已拒绝")
    await session.commit()
    request.state.device = device
    return device


CurrentDevice = Annotated[Device, Depends(authenticate_device)]
