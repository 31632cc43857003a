"""登录与会话：`/api/v1/admin/auth/...`。"""

from __future__ import annotations

import sqlalchemy as sa
from anyio import to_thread
from fastapi import APIRouter, Request, status

from services.admin import auth
from services.admin.repository import user_out
from services.admin.schemas import ChallengeOut, LoginIn, LoginOut, MeOut, PasswordChange
from services.base import audit, passwords
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ErrorBody, unauthorized
from services.base.models import StaffUser
from services.base.permissions import ROLE_PERMISSIONS, Role
from services.base.security import CurrentUser
from yikatong.settings import get_settings

router = APIRouter(prefix="/api/v1/admin/auth", tags=["登录与会话"], responses=COMMON_RESPONSES)


@router.post(
    "/challenge",
    summary="获取登录挑战码",
    response_model=ChallengeOut,
    description="返回一次性随机挑战码（120 秒内有效）。USB Key 对 `ykt-login|用户名|挑战码` 做 SM2 签名。",
)
async def challenge(session: SessionDep) -> ChallengeOut:
    row = await auth.issue_challenge(session)
    return ChallengeOut(challenge_id=row.id, challenge=row.challenge, expires_at=row.expires_at)


@router.post(
    "/login",
    summary="登录（口令 + 数字证书签名）",
    response_model=LoginOut,
    responses={423: {"model": ErrorBody, "description": "账户已锁定"}},
    description="双因素登录：口令与 SM2 签名均正确才签发会话令牌；连续失败达到上限后账户锁定。",
)
async def login(body: LoginIn, request: Request, session: SessionDep) -> LoginOut:
    client = auth.Client(audit.client_ip(request), audit.request_id(request))
    token, row, user = await auth.login(session, body, client)
    me = user_out(user, permissions=_permissions(user.role))
    return LoginOut(
        token=token,
        expires_at=row.expires_at,
        user=MeOut(**me),
        idle_timeout_minutes=get_settings().session_idle_minutes,
    )


def _permissions(role: str) -> list[str]:
    return sorted(ROLE_PERMISSIONS[Role(role)])


@router.post(
    "/logout",
    summary="退出登录",
    status_code=status.HTTP_204_NO_CONTENT,
    description="使当前会话令牌立即失效。",
)
async def logout(request: Request, user: CurrentUser, session: SessionDep) -> None:
    await auth.logout(session, user)
    await _audit_self(request, session, user, "auth.logout")
    await session.commit()


@router.get("/me", summary="当前用户", response_model=MeOut, description="本人账号信息与拥有的权限。")
async def me(user: CurrentUser, session: SessionDep) -> MeOut:
    row = await session.get(StaffUser, user.id)
    return MeOut(**user_out(row, permissions=user.permissions))


@router.post(
    "/password",
    summary="修改本人口令",
    status_code=status.HTTP_204_NO_CONTENT,
    description=f"{passwords.RULES_TEXT}。修改成功后全部会话失效，需重新登录。",
)
async def change_password(
    body: PasswordChange, request: Request, user: CurrentUser, session: SessionDep
) -> None:
    row = await session.scalar(sa.select(StaffUser).where(StaffUser.id == user.id).with_for_update())
    if not await to_thread.run_sync(passwords.verify_password, row.password_hash, body.old_password):
        raise unauthorized("AUTH_FAILED", "原口令错误")
    await auth.set_password(session, row, body.new_password)
    await _audit_self(request, session, user, "auth.password.change")
    await session.commit()


async def _audit_self(request: Request, session: SessionDep, user: CurrentUser, action: str) -> None:
    row = audit.entry(
        user.username,
        action,
        audit.OK,
        actor_role=user.role,
        actor_region=user.region_code,
        object_type="staff_user",
        object_id=str(user.id),
        client_ip=audit.client_ip(request),
        request_id=audit.request_id(request),
    )
    await audit.append(session, [row])
