"""居民身份：验证渠道签发的 SM2 实名断言，换取居民会话（`Authorization: Bearer r.…`）。

Checks, each a 401 with its own code: well-formed, issuer registered and 启用, SM2 signature against the
channel's registered public key, not expired (≤ 10 min lifetime, ±60 s clock skew), valid document
number for its type (`doc_type`, default 居民身份证; rules in `channels.documents`), a birth date (from
the number, or the `birth` claim for 通行证), not replayed (the assertion ID is unique). Per-channel
rate limit: sessions created in the last minute ≤ `rate_limit_per_min` (429).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.base.db import SessionDep, utcnow
from services.base.errors import ApiError, unauthorized
from services.channels import documents
from services.channels.models import Channel, ResidentSession
from yikatong import crypto, pii

SESSION_TTL = timedelta(minutes=30)
COOKIE = "ykt_resident"  # the H5 pages' session cookie
MAX_LIFETIME_S, SKEW_S = 600, 60


@dataclass(frozen=True)
class Resident:
    """已实名的居民（审计中以 `resident:<渠道>` 为角色，操作者为证件号掩码）。"""

    username: str
    channel_id: str
    person_token: str
    id_number: str
    name: str
    region_code: str
    role: str = "resident"
    document_type: str = "居民身份证"
    birth_date: date | None = None

    @property
    def age(self) -> int:
        return documents.age(self.birth_date) if self.birth_date else 99


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claims(assertion: str) -> tuple[dict[str, Any], bytes, bytes]:
    try:
        body_b64, sig_b64 = assertion.split(".")
        body, signature = _unb64(body_b64), _unb64(sig_b64)
        claims = json.loads(body)
        assert isinstance(claims, dict)
        for key in ("iss", "sub_id", "name", "jti"):
            assert isinstance(claims[key], str) and claims[key]
        for key in ("iat", "exp"):
            assert isinstance(claims[key], int)
    except Exception:
        raise unauthorized("ASSERTION_MALFORMED", "实名断言格式错误") from None
    return claims, body, signature


async def verify_assertion(session: SessionDep, assertion: str) -> tuple[dict[str, Any], Channel]:
    claims, body, signature = _claims(assertion)
    channel = await session.get(Channel, claims["iss"])
    if channel is None:
        raise unauthorized("CHANNEL_UNKNOWN", "签发实名断言的渠道未登记")
    if not crypto.sm2_verify(channel.idp_public_key, body, signature):
        raise unauthorized("ASSERTION_SIGNATURE_INVALID", "实名断言签名无效")
    if channel.status != "启用":
        raise ApiError(403, "CHANNEL_DISABLED", "渠道已停用")
    now = time.time()
    if (
        claims["exp"] < now - SKEW_S
        or claims["iat"] > now + SKEW_S
        or claims["exp"] - claims["iat"] > MAX_LIFETIME_S
    ):
        raise unauthorized("ASSERTION_EXPIRED", "实名断言已过期，请在渠道重新登录")
    try:
        kind = documents.name_of(claims.get("doc_type"))
    except KeyError:
        raise unauthorized("ASSERTION_DOCUMENT_UNKNOWN", "实名断言中的证件类型不受支持") from None
    verdict = documents.check(kind, claims["sub_id"])
    if not verdict.valid:
        message = f"实名断言中的{kind}号码校验不通过"
        raise ApiError(401, "ASSERTION_ID_INVALID", message, {"reason": verdict.reason})
    birth = verdict.birth_date
    if birth is None:
        try:
            birth = date.fromisoformat(str(claims.get("birth")))
        except ValueError:
            message = f"持{kind}的实名断言须含出生日期（birth）"
            raise unauthorized("ASSERTION_BIRTH_REQUIRED", message) from None
    return claims | {"doc_type": kind, "sub_id": verdict.number, "birth": birth}, channel


async def _rate_limited(session: SessionDep, channel: Channel) -> None:
    since = utcnow() - timedelta(minutes=1)
    count = await session.scalar(
        sa.select(sa.func.count()).where(
            ResidentSession.channel_id == channel.channel_id, ResidentSession.created_at > since
        )
    )
    if count >= channel.rate_limit_per_min:
        raise ApiError(
            429, "RATE_LIMITED", f"渠道请求过于频繁（每分钟上限 {channel.rate_limit_per_min} 次），请稍后再试"
        )


def token_hash(token: str) -> str:
    return crypto.sm3_hex(token.encode())


async def open_session(session: SessionDep, assertion: str) -> tuple[str, ResidentSession]:
    """Verify the assertion and store a new resident session; returns the bearer token once."""
    claims, channel = await verify_assertion(session, assertion)
    await session.execute(
        sa.select(Channel).where(Channel.channel_id == channel.channel_id).with_for_update()
    )
    await _rate_limited(session, channel)
    id_number = claims["sub_id"].upper()
    protector = pii.protector()
    id_token, id_cipher, id_masked = protector.protect(id_number, "id_number")
    _, name_cipher, name_masked = protector.protect(claims["name"], "name")
    token = "r." + secrets.token_urlsafe(32)
    jti = hashlib.sha256(f"{channel.channel_id}:{claims['jti']}".encode()).hexdigest()
    row = {
        "token_hash": token_hash(token),
        "assertion_id": jti,
        "channel_id": channel.channel_id,
        "person_token": id_token,
        "id_cipher": id_cipher,
        "id_masked": id_masked,
        "name_cipher": name_cipher,
        "name_masked": name_masked,
        "created_at": utcnow(),
        "expires_at": utcnow() + SESSION_TTL,
        "document_type": documents.CODES[claims["doc_type"]],
        "birth_date": claims["birth"],
    }
    stmt = pg_insert(ResidentSession).values(**row).on_conflict_do_nothing(index_elements=["assertion_id"])
    if await session.scalar(stmt.returning(ResidentSession.token_hash)) is None:
        raise ApiError(409, "ASSERTION_REPLAYED", "实名断言已使用过，请在渠道重新登录")
    await session.commit()
    return token, await session.get(ResidentSession, row["token_hash"])


async def current_resident(
    request: Request, session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Resident:
    token = (authorization or "").removeprefix("Bearer ").strip() or request.cookies.get(COOKIE, "")
    if not token.startswith("r."):
        raise unauthorized("RESIDENT_UNAUTHENTICATED", "请先通过渠道实名登录")
    row = await session.get(ResidentSession, token_hash(token))
    if row is None or row.expires_at < datetime.now(UTC):
        raise unauthorized("RESIDENT_SESSION_EXPIRED", "登录已过期，请重新进入")
    channel = await session.get(Channel, row.channel_id)
    protector = pii.protector()
    id_number = protector.decrypt(row.id_cipher, "id_number")
    resident = Resident(
        row.id_masked,
        row.channel_id,
        row.person_token,
        id_number,
        protector.decrypt(row.name_cipher, "name"),
        channel.region_code,
        document_type=documents.NAMES.get(row.document_type, "居民身份证"),
        birth_date=row.birth_date,
    )
    request.state.user = resident
    return resident


CurrentResident = Annotated[Resident, Depends(current_resident)]
