"""工作人员账号的查询与维护，均限定在操作人的区域范围内。"""

from __future__ import annotations

import sqlalchemy as sa
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from services.admin.schemas import UserCreate, UserOut, UserUpdate
from services.base import passwords, session_cache
from services.base.errors import conflict, forbidden, invalid, not_found
from services.base.models import StaffSession, StaffUser
from services.base.pagination import PageParams, paginate
from services.base.permissions import Role
from services.base.security import Principal, Scope
from yikatong import regions


def user_out(user: StaffUser, **extra) -> dict:
    return (
        UserOut(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            role_name=Role(user.role).label,
            region_code=user.region_code,
            region_name=regions.get(user.region_code).full_name,
            is_active=user.is_active,
            locked_until=user.locked_until,
            last_login_at=user.last_login_at,
            created_at=user.created_at,
        ).model_dump()
        | extra
    )


async def list_users(session: AsyncSession, scope: Scope, params: PageParams, role: Role | None):
    query = sa.select(StaffUser).where(scope.where(StaffUser.region_code)).order_by(StaffUser.id)
    if role:
        query = query.where(StaffUser.role == role)
    return await paginate(session, query, params)


async def get_user(session: AsyncSession, scope: Scope, user_id: int, *, lock: bool = False) -> StaffUser:
    query = sa.select(StaffUser).where(StaffUser.id == user_id, scope.where(StaffUser.region_code))
    user = await session.scalar(query.with_for_update() if lock else query)
    if user is None:
        raise not_found("账号")
    return user


def _check_region(scope: Scope, region_code: str) -> None:
    if not scope.contains(region_code):
        raise forbidden("只能在本人所属区域及下级区域内设置账号")


async def create_user(session: AsyncSession, scope: Scope, body: UserCreate, creator: str) -> StaffUser:
    _check_region(scope, body.region_code)
    problems = passwords.complexity_problems(body.password, body.username)
    if problems:
        raise invalid("PASSWORD_WEAK", "口令不满足复杂度要求：" + "；".join(problems), passwords.RULES_TEXT)
    if await session.scalar(sa.select(StaffUser.id).where(StaffUser.username == body.username)):
        raise conflict("USERNAME_TAKEN", "用户名已被使用")
    user = StaffUser(
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        region_code=body.region_code,
        sm2_public_key=body.sm2_public_key,
        created_by=creator,
        password_hash=await to_thread.run_sync(passwords.hash_password, body.password),
    )
    session.add(user)
    await session.flush()
    return user


async def update_user(
    session: AsyncSession, scope: Scope, user: StaffUser, body: UserUpdate, me: Principal
) -> dict:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if user.id == me.id and ({"role", "region_code", "is_active"} & changes.keys()):
        raise forbidden("不能修改本人的角色、区域或启用状态")
    if "region_code" in changes:
        _check_region(scope, changes["region_code"])
    for name, value in changes.items():
        setattr(user, name, value)
    if changes.keys() & {"role", "region_code", "is_active", "sm2_public_key"}:
        await revoke_sessions(session, user.id)
    return {k: (v if k != "sm2_public_key" else "(已更换)") for k, v in changes.items()}


async def revoke_sessions(session: AsyncSession, user_id: int) -> None:
    session_cache.forget(user_id=user_id)  # the other workers hear of it from the database
    await session.execute(
        sa.update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=sa.func.now())
    )
