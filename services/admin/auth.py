"""登录（口令 + SM2 签名双因素）、退出、修改口令；失败计数与锁定。

Login takes a one-time challenge (`issue_challenge`), the password and an SM2 signature over
`ykt-login|<username>|<challenge>` made by the key registered on the account. Which factor failed
is never told; each failure counts, and the account locks after `YKT_LOGIN_MAX_FAILURES`.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from services.admin.models import LoginChallenge
from services.admin.schemas import LoginIn, login_message
from services.base import audit, passwords, session_cache
from services.base.db import utcnow
from services.base.errors import ApiError, invalid, unauthorized
from services.base.models import StaffSession, StaffUser
from services.base.security import Principal, locked_out
from services.base.tokens import new_token
from yikatong.crypto import sm2_verify
from yikatong.settings import get_settings

CHALLENGE_TTL = timedelta(seconds=120)
AUTH_FAILED = "用户名、口令或数字证书签名错误"


@dataclass(frozen=True)
class Client:
    ip: str | None
    request_id: str | None


async def issue_challenge(session: AsyncSession) -> LoginChallenge:
    challenge = LoginChallenge(
        id=uuid.uuid4(), challenge=secrets.token_hex(32), expires_at=utcnow() + CHALLENGE_TTL
    )
    session.add(challenge)
    await session.commit()
    return challenge


async def _consume_challenge(session: AsyncSession, challenge_id: uuid.UUID) -> str:
    now = utcnow()
    challenge = await session.scalar(
        sa.update(LoginChallenge)
        .where(
            LoginChallenge.id == challenge_id,
            LoginChallenge.used_at.is_(None),
            LoginChallenge.expires_at > now,
        )
        .values(used_at=now)
        .returning(LoginChallenge.challenge)
    )
    if challenge is None:
        raise unauthorized("CHALLENGE_INVALID", "挑战码无效、已使用或已过期，请重新获取")
    return challenge


def _factors_ok(user: StaffUser | None, body: LoginIn, challenge: str) -> bool:
    """Both factors, off the event loop (argon2 and SM2 cost tens of milliseconds)."""
    if user is None:
        passwords.verify_password(passwords.DUMMY_HASH, body.password)
        return False
    if not passwords.verify_password(user.password_hash, body.password):
        return False
    try:
        signature = bytes.fromhex(body.signature)
    except ValueError:
        return False
    return sm2_verify(user.sm2_public_key, login_message(user.username, challenge), signature)


async def _audit_login(
    session: AsyncSession,
    body: LoginIn,
    user: StaffUser | None,
    client: Client,
    result: str,
    reason: str | None = None,
) -> None:
    row = audit.entry(
        body.username,
        "auth.login",
        result,
        reason=reason,
        object_type="staff_user",
        object_id=str(user.id) if user else None,
        actor_role=user.role if user else None,
        actor_region=user.region_code if user else None,
        client_ip=client.ip,
        request_id=client.request_id,
    )
    await audit.append(session, [row])
    await session.commit()


async def login(session: AsyncSession, body: LoginIn, client: Client) -> tuple[str, StaffSession, StaffUser]:
    """Check both factors; on success open a session and return (token, session row, user)."""
    challenge = await _consume_challenge(session, body.challenge_id)
    user = await session.scalar(
        sa.select(StaffUser).where(StaffUser.username == body.username).with_for_update()
    )
    now, settings = utcnow(), get_settings()
    if user is not None and user.locked_until and user.locked_until > now:
        await _audit_login(session, body, user, client, audit.FAILED, "账户已锁定")
        raise locked_out(f"账户已锁定，请于 {_local(user.locked_until)} 后重试，或联系安全管理员解锁")
    if not await to_thread.run_sync(_factors_ok, user, body, challenge):
        await _count_failure(session, body, user, client)
    if not user.is_active:
        await _audit_login(session, body, user, client, audit.FAILED, "账号已停用")
        raise ApiError(403, "ACCOUNT_DISABLED", "账号已停用，请联系安全管理员")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    token, key = new_token()
    row = StaffSession(
        token_hash=key,
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        client_ip=client.ip,
        expires_at=now + timedelta(hours=settings.session_max_hours),
    )
    session.add(row)
    await _audit_login(session, body, user, client, audit.OK)
    return token, row, user


async def _count_failure(
    session: AsyncSession, body: LoginIn, user: StaffUser | None, client: Client
) -> None:
    settings = get_settings()
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
    await _audit_login(session, body, user, client, audit.FAILED, AUTH_FAILED)
    if user is not None and user.locked_until:
        raise locked_out(f"连续 {user.failed_logins} 次登录失败，账户已锁定 {settings.lockout_minutes} 分钟")
    raise unauthorized("AUTH_FAILED", AUTH_FAILED)


def _local(moment: datetime) -> str:
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # 北京时间


async def logout(session: AsyncSession, user: Principal) -> None:
    session_cache.forget(user.session_key)  # the other workers hear of it from the database
    await session.execute(
        sa.update(StaffSession).where(StaffSession.token_hash == user.session_key).values(revoked_at=utcnow())
    )


async def set_password(session: AsyncSession, user: StaffUser, new_password: str) -> None:
    """Check the rules, store the new hash and end all the user's sessions (log in again)."""
    problems = passwords.complexity_problems(new_password, user.username)
    if problems:
        raise invalid("PASSWORD_WEAK", "口令不满足复杂度要求：" + "；".join(problems), passwords.RULES_TEXT)
    user.password_hash = await to_thread.run_sync(passwords.hash_password, new_password)
    user.password_changed_at = utcnow()
    session_cache.forget(user_id=user.id)
    await session.execute(
        sa.update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
