"""工作人员账号管理：`/api/v1/admin/users/...` 与角色列表（安全管理员；限本人区域及下级区域）。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.admin import auth, repository
from services.admin.schemas import PasswordReset, RoleOut, UserCreate, UserOut, UserUpdate
from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.pagination import Page, PageDep
from services.base.passwords import RULES_TEXT
from services.base.permissions import PERM_LABELS, ROLE_PERMISSIONS, Perm, Role
from services.base.security import CurrentUser, RegionScope, staff_route

router = APIRouter(prefix="/api/v1/admin", tags=["工作人员账号"], responses=COMMON_RESPONSES)
NOT_FOUND = {404: {"description": "账号不存在或不在您的管辖区域内"}}


def _route(summary: str, action: str, *, manage: bool = False, **kwargs) -> dict:
    return staff_route(
        summary, Perm.USER_MANAGE if manage else Perm.USER_READ, action, "staff_user", **kwargs
    )


@router.get("/roles", response_model=list[RoleOut], **_route("角色与权限", "role.list"))
async def roles(session: SessionDep, audit: AuditDep) -> list[RoleOut]:
    """全部角色及其权限（最小权限矩阵；系统、安全、审计管理员互不兼任）。"""
    await audit.commit(session)
    return [
        RoleOut(
            code=role,
            name=role.label,
            permissions=[{"code": p, "name": PERM_LABELS[p]} for p in sorted(perms)],
        )
        for role, perms in ROLE_PERMISSIONS.items()
    ]


@router.get("/users", response_model=Page[UserOut], **_route("查询账号", "user.list"))
async def list_users(
    session: SessionDep,
    scope: RegionScope,
    page: PageDep,
    audit: AuditDep,
    role: Annotated[Role | None, Query(description="按角色筛选")] = None,
) -> Page[UserOut]:
    """本人所属区域及下级区域内的工作人员账号，分页。"""
    users, total = await repository.list_users(session, scope, page, role)
    await audit.commit(session, detail={"role": role, "page": page.page, "total": total})
    return Page(items=[repository.user_out(u) for u in users], total=total, page=page.page, size=page.size)


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    **_route(
        "创建账号", "user.create", manage=True, description=f"{RULES_TEXT}；须登记 USB Key 的 SM2 公钥。"
    ),
)
async def create_user(
    body: UserCreate, session: SessionDep, scope: RegionScope, user: CurrentUser, audit: AuditDep
) -> UserOut:
    created = await repository.create_user(session, scope, body, user.username)
    detail = {"username": body.username, "role": body.role, "region_code": body.region_code}
    await audit.commit(session, object_id=str(created.id), detail=detail)
    return UserOut(**repository.user_out(created))


@router.get(
    "/users/{user_id}", response_model=UserOut, **_route("账号详情", "user.read", responses=NOT_FOUND)
)
async def get_user(user_id: int, session: SessionDep, scope: RegionScope, audit: AuditDep) -> UserOut:
    """一个账号的信息（不含口令与公钥）。"""
    found = await repository.get_user(session, scope, user_id)
    await audit.commit(session)
    return UserOut(**repository.user_out(found))


@router.patch(
    "/users/{user_id}",
    response_model=UserOut,
    **_route("修改账号", "user.update", manage=True, responses=NOT_FOUND),
)
async def update_user(
    user_id: int,
    body: UserUpdate,
    session: SessionDep,
    scope: RegionScope,
    user: CurrentUser,
    audit: AuditDep,
) -> UserOut:
    """修改姓名、角色、区域、启用状态或 SM2 公钥；除姓名外的变更使该账号的会话全部失效。"""
    found = await repository.get_user(session, scope, user_id, lock=True)
    changes = await repository.update_user(session, scope, found, body, user)
    await audit.commit(session, detail=changes)
    return UserOut(**repository.user_out(found))


@router.post(
    "/users/{user_id}/unlock",
    response_model=UserOut,
    **_route("解锁账号", "user.unlock", manage=True, responses=NOT_FOUND),
)
async def unlock_user(user_id: int, session: SessionDep, scope: RegionScope, audit: AuditDep) -> UserOut:
    """清除连续登录失败计数并解除锁定。"""
    found = await repository.get_user(session, scope, user_id, lock=True)
    found.failed_logins, found.locked_until = 0, None
    await audit.commit(session)
    return UserOut(**repository.user_out(found))


@router.post(
    "/users/{user_id}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    **_route("重置口令", "user.password.reset", manage=True, responses=NOT_FOUND),
)
async def reset_password(
    user_id: int, body: PasswordReset, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> None:
    """由安全管理员设置新口令（须满足复杂度规则）；该账号的会话全部失效。"""
    found = await repository.get_user(session, scope, user_id, lock=True)
    await auth.set_password(session, found, body.new_password)
    await audit.commit(session)
