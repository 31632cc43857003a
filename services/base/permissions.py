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
    DATA_STEWARD = "data_steward"

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
    Role.DATA_STEWARD: "数据管理员",
}


class Perm(StrEnum):
    DEVICE_READ = "device:read"
    DEVICE_WRITE = "device:write"
    USER_READ = "user:read"
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"
    MONITOR_READ = "monitor:read"
    MONITOR_MANAGE = "monitor:manage"
    CARD_READ = "card:read"
    CARD_WRITE = "card:write"
    STATS_READ = "stats:read"
    CATALOG_READ = "catalog:read"
    CATALOG_MANAGE = "catalog:manage"
    CATALOG_REQUEST = "catalog:request"
    GRANT_APPROVE = "grant:approve"
    KNOWLEDGE_READ = "knowledge:read"
    KNOWLEDGE_MANAGE = "knowledge:manage"
    PARTNER_MANAGE = "partner:manage"
    CHANNEL_MANAGE = "channel:manage"
    APPLICATION_READ = "application:read"
    APPLICATION_ACCEPT = "application:accept"
    APPLICATION_APPROVE = "application:approve"
    TRAJECTORY_READ = "trajectory:read"
    PRECISION_READ = "precision:read"


PERM_LABELS: dict[Perm, str] = {
    Perm.DEVICE_READ: "查询设备",
    Perm.DEVICE_WRITE: "登记、编辑、停用设备，批量导入",
    Perm.USER_READ: "查询工作人员账号与角色",
    Perm.USER_MANAGE: "创建、修改、解锁工作人员账号，重置口令",
    Perm.AUDIT_READ: "查阅审计日志、校验审计链",
    Perm.MONITOR_READ: "查看设备自检、日志、运行状态、告警与工单",
    Perm.MONITOR_MANAGE: "确认、清除告警，派发与处理维修工单",
    Perm.CARD_READ: "查询预制卡、成品卡、发卡记录、制卡批次与回盘记录",
    Perm.CARD_WRITE: "添加预制卡、获取制卡批次、人工回盘",
    Perm.STATS_READ: "查看业务数据统计",
    Perm.CATALOG_READ: "查阅数据资源目录",
    Perm.CATALOG_MANAGE: "维护数据资源目录（描述、责任人、敏感与开放级别）",
    Perm.CATALOG_REQUEST: "申请数据资源、查询已获授权的数据",
    Perm.GRANT_APPROVE: "审批数据资源访问申请",
    Perm.KNOWLEDGE_READ: "查阅知识库条目",
    Perm.KNOWLEDGE_MANAGE: "新增、修改、停用知识库条目",
    Perm.PARTNER_MANAGE: "登记、查询、停用调用平台能力的合作系统",
    Perm.CHANNEL_MANAGE: "登记、查询接入渠道",
    Perm.APPLICATION_READ: "查询线上业务申请",
    Perm.APPLICATION_ACCEPT: "前台受理、退回线上业务，确认领卡",
    Perm.APPLICATION_APPROVE: "后台审核线上业务并提交省卡管",
    Perm.TRAJECTORY_READ: "查询个人用卡轨迹（脱敏）",
    Perm.PRECISION_READ: "查看持卡人关系网与精准服务策略的运行结果",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.SYSTEM_ADMIN: frozenset(
        {Perm.DEVICE_READ, Perm.DEVICE_WRITE, Perm.MONITOR_READ, Perm.MONITOR_MANAGE}
        | {Perm.CARD_READ, Perm.CARD_WRITE, Perm.STATS_READ}
    ),
    Role.SECURITY_ADMIN: frozenset({Perm.USER_READ, Perm.USER_MANAGE}),
    Role.AUDITOR: frozenset({Perm.AUDIT_READ}),
    Role.OPERATOR: frozenset(
        {Perm.DEVICE_READ, Perm.MONITOR_READ, Perm.CARD_READ, Perm.CARD_WRITE, Perm.STATS_READ}
    ),
    Role.REGION_ADMIN: frozenset(
        {Perm.DEVICE_READ, Perm.DEVICE_WRITE, Perm.MONITOR_READ, Perm.MONITOR_MANAGE}
        | {Perm.CARD_READ, Perm.CARD_WRITE, Perm.STATS_READ}
    ),
    Role.ANALYST: frozenset(
        {Perm.DEVICE_READ, Perm.MONITOR_READ, Perm.STATS_READ, Perm.CATALOG_READ, Perm.CATALOG_REQUEST}
    ),
    Role.DATA_STEWARD: frozenset({Perm.CATALOG_READ, Perm.CATALOG_MANAGE, Perm.GRANT_APPROVE}),
}
# 平台能力（知识库、合作系统）：业务经办与数据管理员维护知识库，系统管理员登记合作系统。
for _role, _extra in (
    (Role.OPERATOR, {Perm.KNOWLEDGE_READ, Perm.KNOWLEDGE_MANAGE}),
    (Role.DATA_STEWARD, {Perm.KNOWLEDGE_READ, Perm.KNOWLEDGE_MANAGE}),
    (Role.ANALYST, {Perm.KNOWLEDGE_READ}),
    (Role.SYSTEM_ADMIN, {Perm.PARTNER_MANAGE}),
):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# 渠道与线上业务：系统管理员登记渠道；业务经办前台受理；区域管理员后台审核（受理与审核分属不同角色）。
for _role, _extra in (
    (Role.SYSTEM_ADMIN, {Perm.CHANNEL_MANAGE}),
    (Role.OPERATOR, {Perm.APPLICATION_READ, Perm.APPLICATION_ACCEPT}),
    (Role.REGION_ADMIN, {Perm.APPLICATION_READ, Perm.APPLICATION_APPROVE}),
):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

# 用卡轨迹与精准服务（个人数据，脱敏）：办理业务的业务经办与区域管理员；分析员只看汇总看板。
for _role in (Role.OPERATOR, Role.REGION_ADMIN):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.TRAJECTORY_READ, Perm.PRECISION_READ}


def allows(role: str, permission: Perm) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
