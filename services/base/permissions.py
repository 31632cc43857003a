"""角色与权限（最小权限，三员分立：系统管理员、安全管理员、审计管理员互不兼任）。

Permissions are strings `<object>:<verb>`; later subsystems add theirs here (cards, channels,
catalog, statistics) and grant them to roles in `ROLE_PERMISSIONS`, the single matrix that every
endpoint's `permit(...)` consults.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDITOR = "auditor"
    OPERATOR = "operator"
    REGION_ADMIN = "region_admin"
    ANALYST = "analyst"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDITOR: "审计管理员",
    Role.OPERATOR: "业务经办",
    Role.REGION_ADMIN: "区域管理员",
    Role.ANALYST: "只读分析",
}


class Perm(StrEnum):
    DEVICE_READ = "device:read"
    DEVICE_WRITE = "device:write"
    USER_READ = "user:read"
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"


PERM_LABELS: dict[Perm, str] = {
    Perm.DEVICE_READ: "查询设备",
    Perm.DEVICE_WRITE: "登记、编辑、停用设备，批量导入",
    Perm.USER_READ: "查询工作人员账号与角色",
    Perm.USER_MANAGE: "创建、修改、解锁工作人员账号，重置口令",
    Perm.AUDIT_READ: "查阅审计日志、校验审计链",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.SYSTEM_ADMIN: frozenset({Perm.DEVICE_READ, Perm.DEVICE_WRITE}),
    Role.SECURITY_ADMIN: frozenset({Perm.USER_READ, Perm.USER_MANAGE}),
    Role.AUDITOR: frozenset({Perm.AUDIT_READ}),
    Role.OPERATOR: frozenset({Perm.DEVICE_READ}),
    Role.REGION_ADMIN: frozenset({Perm.DEVICE_READ, Perm.DEVICE_WRITE}),
    Role.ANALYST: frozenset({Perm.DEVICE_READ}),
}


def allows(role: str, permission: Perm) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
