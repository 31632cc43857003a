"""合作系统的请求认证：与终端相同的 HMAC-SM3 请求签名（见 `services.terminals.signing`）。

Why signatures rather than staff tokens: partners are systems, not people; a staff session ends
after 30 idle minutes and is bound to a person's USB key, while a signed request proves the
partner's identity on every call, binds the body (SM3) and cannot be replayed (timestamp window +
one-time nonce, a primary key in PostgreSQL so it holds across workers).

Headers: `X-Partner-Id`, `X-Timestamp`, `X-Nonce`, `X-Signature` = hex HMAC-SM3(secret,
`METHOD\\npath[?query]\\ntimestamp\\nnonce\\nhex SM3(body)`); `sign_headers` is the client side.
Each route declares the capability it needs with `capability(scope, action)`; a partner may call
only the capabilities it was registered for.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.base.audit import AuditIntent
from services.base.db import SessionDep
from services.base.errors import ApiError, forbidden, unauthorized
from services.capabilities import credentials
from services.capabilities.models import Partner, PartnerNonce
from services.terminals import signing
from services.terminals.device_auth import signed_path
from yikatong.settings import get_settings

HEADERS = ("x-partner-id", "x-timestamp", "x-nonce", "x-signature")
_FORMATS = (
    re.compile(r"[A-Za-z0-9_-]{3,32}"),
    re.compile(r"\d{9,11}"),
    re.compile(r"[A-Za-z0-9_-]{16,64}"),
    re.compile(r"[0-9a-f]{64}"),
)
SCOPES: dict[str, str] = {"ocr": "证件识别", "face": "人脸比对", "qa": "智能问答", "keys": "密钥服务"}


@dataclass(frozen=True)
class PartnerPrincipal:
    """已认证的合作系统（审计日志中以其编号为操作者，角色记为 partner）。"""

    username: str
    name: str
    region_code: str
    scopes: tuple[str, ...]
    role: str = "partner"


def sign_headers(
    partner_id: str, secret_hex: str, method: str, path: str, body: bytes = b""
) -> dict[str, str]:
    """The four headers a partner system sends (for clients, simulators and tests)."""
    headers = signing.sign_headers(partner_id, secret_hex, method, path, body)
    headers["X-Partner-Id"] = headers.pop("X-Device-Id")
    return headers


def _headers(request: Request) -> tuple[str, str, str, str]:
    values = tuple(request.headers.get(name, "") for name in HEADERS)
    if not all(values):
        raise unauthorized(
            "SIGNATURE_MISSING", "缺少签名请求头：X-Partner-Id、X-Timestamp、X-Nonce、X-Signature"
        )
    if not all(p.fullmatch(v) for p, v in zip(_FORMATS, values, strict=True)):
        raise unauthorized("SIGNATURE_MALFORMED", "签名请求头格式错误")
    return values  # type: ignore[return-value]


async def authenticate_partner(request: Request, session: SessionDep) -> PartnerPrincipal:
    """签名正确、在时间窗内、未重放、已启用的合作系统。"""
    partner_id, timestamp, nonce, given = _headers(request)
    window = get_settings().device_signature_window_s
    if abs(time.time() - int(timestamp)) > window:
        raise unauthorized("SIGNATURE_EXPIRED", f"请求时间戳超出允许范围（±{window} 秒），请校准时钟")
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise unauthorized("PARTNER_UNKNOWN", "合作系统未登记")
    body = await request.body()
    secret = credentials.unseal(partner.credential, partner_id)
    expected = signing.signature(secret, request.method, signed_path(request), timestamp, nonce, body)
    if not hmac.compare_digest(expected, given):
        raise unauthorized("SIGNATURE_INVALID", "签名无效")
    if partner.status != "启用":
        raise ApiError(403, "PARTNER_DISABLED", "合作系统已停用")
    expires = datetime.fromtimestamp(max(int(timestamp), int(time.time())) + window, UTC)
    stmt = pg_insert(PartnerNonce).values(partner_id=partner_id, nonce=nonce, expires_at=expires)
    if await session.scalar(stmt.on_conflict_do_nothing().returning(PartnerNonce.nonce)) is None:
        raise ApiError(409, "NONCE_REPLAYED", "重复的请求（随机数已使用），已拒绝")
    await session.commit()
    principal = PartnerPrincipal(partner_id, partner.name, partner.region_code, tuple(partner.scopes))
    request.state.user = principal  # the audit rows name the partner as the actor
    return principal


CurrentPartner = Annotated[PartnerPrincipal, Depends(authenticate_partner)]


def capability(scope: str, action: str | None = None, object_type: str = "capability") -> Any:
    """Route dependency: authenticate the partner, declare the audited action, check its scope."""

    async def check(request: Request, partner: CurrentPartner) -> None:
        if action is not None:
            object_id = next(iter(request.path_params.values()), None)
            request.state.audit = AuditIntent(
                action, object_type, None if object_id is None else str(object_id)
            )
        if scope not in partner.scopes:
            raise forbidden(f"合作系统未获准使用{SCOPES[scope]}能力")

    check.permission = f"capability:{scope}"  # type: ignore[attr-defined]  # read by the route-coverage test
    check.action = action  # type: ignore[attr-defined]
    return Depends(check)


async def sweep_nonces(session: Any) -> int:
    """Delete expired nonces (called by housekeeping or tests); returns how many went."""
    result = await session.execute(sa.delete(PartnerNonce).where(PartnerNonce.expires_at < datetime.now(UTC)))
    return result.rowcount or 0
