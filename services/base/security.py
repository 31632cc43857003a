"""谁在调用：会话令牌 → 工作人员（`CurrentUser`）、其区域范围（`RegionScope`）、权限检查（`permit`）。"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection

from services.base import session_cache
from services.base.audit import AuditIntent
from services.base.db import autocommit, utcnow
from services.base.errors import ApiError, forbidden, unauthorized
from services.base.models import StaffSession, StaffUser
from services.base.permissions import PERM_LABELS, ROLE_PERMISSIONS, Perm, Role, allows
from services.base.tokens import token_hash
from yikatong import regions
from yikatong.settings import get_settings

bearer = HTTPBearer(auto_error=False, description="登录（口令 + SM2 签名）后获得的会话令牌")
_TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most once a minute per session
_touching: dict[
    str, Any
] = {}  # session key -> until when this worker leaves the touch to its own earlier request


@dataclass(frozen=True)
class Principal:
    """已登录的工作人员。"""

    id: int
    username: str
    display_name: str
    role: str
    region_code: str
    session_key: str

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def permissions(self) -> list[str]:
        return sorted(ROLE_PERMISSIONS[Role(self.role)])


_SESSION = (
    sa.select(
        StaffSession.user_id,
        StaffSession.last_seen_at,
        StaffSession.expires_at,
        StaffSession.revoked_at,
        StaffUser.username,
        StaffUser.display_name,
        StaffUser.role,
        StaffUser.region_code,
        StaffUser.is_active,
    )
    .join(StaffUser)
    .where(StaffSession.token_hash == sa.bindparam("key"))
)


async def current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """Resolve the bearer token to a live session; refresh its idle clock.

    A session this worker checked less than a minute of idle time ago comes from its cache
    (`session_cache`: dropped the moment the database announces a logout, a disabled account or
    any other change); otherwise, and whenever the idle clock is due a refresh, from the database.
    """
    if credentials is None:
        raise unauthorized()
    key = token_hash(credentials.credentials)
    if key is None:  # forged or malformed: refused without a database round trip
        raise unauthorized("TOKEN_INVALID", "登录令牌无效，请重新登录")
    now = utcnow()
    cached = session_cache.get(key)
    if cached is not None and now < cached.expires_at and now - cached.last_seen_at <= _TOUCH_EVERY:
        user = cached.principal
    else:
        user = await _load_session(key, now)
    request.state.user = user
    return user


async def _load_session(key: str, now: datetime) -> Principal:
    seen = session_cache.generation()
    async with autocommit() as conn:
        row = (await conn.execute(_SESSION, {"key": key})).first()
        if row is None:
            raise unauthorized("TOKEN_INVALID", "登录令牌无效，请重新登录")
        if row.revoked_at is not None:
            raise unauthorized("SESSION_ENDED", "会话已退出，请重新登录")
        idle = timedelta(minutes=get_settings().session_idle_minutes)
        if now >= row.expires_at or now - row.last_seen_at > idle:
            raise unauthorized("SESSION_EXPIRED", "会话已超时，请重新登录")
        if not row.is_active:
            raise unauthorized("ACCOUNT_DISABLED", "账号已停用")
        last_seen = row.last_seen_at
        if now - last_seen > _TOUCH_EVERY and _touching.get(key, now) <= now:
            await _touch(conn, key, now)
            last_seen = now
    user = Principal(row.user_id, row.username, row.display_name, row.role, row.region_code, key)
    session_cache.put(
        key, seen, session_cache.Cached(user, row.user_id, last_seen, row.expires_at, time.monotonic())
    )
    return user


async def _touch(conn: AsyncConnection, key: str, now: datetime) -> None:
    """Refresh a session's idle clock. One request per worker does it (the others of that minute
    go on), and only while the row is still stale, so a burst of requests on one token never
    queues on the row's lock."""
    _touching[key] = now + _TOUCH_EVERY
    if len(_touching) > 10_000:
        _touching.clear()
    stale = StaffSession.last_seen_at < now - _TOUCH_EVERY
    touch = sa.update(StaffSession).where(StaffSession.token_hash == key, stale).values(last_seen_at=now)
    await conn.execute(touch)


CurrentUser = Annotated[Principal, Depends(current_user)]


@dataclass(frozen=True)
class Scope:
    """一个区域及其下级全部区域（按代码前缀）。"""

    region_code: str

    @property
    def prefix(self) -> str:
        return regions.scope_prefix(self.region_code)

    def contains(self, code: str | None) -> bool:
        return bool(code) and regions.is_within(code, self.region_code)

    def where(self, column: Any) -> Any:
        """SQL: `column LIKE prefix || '%'`."""
        return column.like(sa.literal(self.prefix).concat("%"))

    def where_sorted(self, column: Any) -> Any:
        """The same rows as `where` for a column in the "C" collation (`RegionCode`), as the
        range `prefix <= column < next prefix`: an index scan with no LIKE to re-check per row.

        The bounds are written into the SQL, not bound: psycopg prepares a statement after a few
        runs and PostgreSQL then plans it once for any bounds — for a county's 10,000 devices
        that generic plan read them all and sorted (4 ms) instead of walking the device-number
        index to the first page (0.7 ms)."""
        low, high = self.prefix, self.prefix[:-1] + chr(ord(self.prefix[-1]) + 1)
        return sa.and_(
            column >= sa.literal(low, column.type, literal_execute=True),
            column < sa.literal(high, column.type, literal_execute=True),
        )

    def narrow(self, region_code: str | None) -> Scope | None:
        """The part of this scope inside `region_code` (None when they do not overlap)."""
        if not region_code or self.contains(region_code):
            return Scope(region_code or self.region_code)
        return (
            self if regions.exists(region_code) and regions.is_within(self.region_code, region_code) else None
        )


async def region_scope(user: CurrentUser) -> Scope:  # async: a sync dependency costs a thread hop
    return Scope(user.region_code)


RegionScope = Annotated[Scope, Depends(region_scope)]


def permit(permission: Perm, action: str, object_type: str | None = None) -> Any:
    """Route dependency: declare the audited action, then refuse roles without `permission`."""

    async def check(request: Request, user: CurrentUser) -> None:
        object_id = next(iter(request.path_params.values()), None)
        request.state.audit = AuditIntent(action, object_type, None if object_id is None else str(object_id))
        if not allows(user.role, permission):
            raise forbidden(f"{user.role_label}无权{PERM_LABELS[permission]}")

    check.permission = permission  # type: ignore[attr-defined]  # read by the route-coverage test
    check.action = action  # type: ignore[attr-defined]
    return Depends(check)


def locked_out(message: str) -> ApiError:
    return ApiError(423, "ACCOUNT_LOCKED", message)


def staff_route(
    summary: str, permission: Perm, action: str, object_type: str | None = None, **kwargs: Any
) -> dict:
    """Decorator arguments of a staff endpoint: its summary and its `permit` check (the docstring
    of the endpoint becomes its OpenAPI description)."""
    return {"summary": summary, "dependencies": [permit(permission, action, object_type)], **kwargs}
