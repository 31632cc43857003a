"""数据资源目录的请求/响应模型。"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.catalog.classify import OPENNESS, SENSITIVITIES

KINDS = ("source", "bronze", "silver", "gold", "mart", "dashboard", "export", "inbound", "resource")
FREQUENCIES = ("实时", "每日", "每周", "每月", "每季度", "每年", "不定期")
Openness = Literal["无条件开放", "有条件开放", "不予开放"]
Sensitivity = Literal["敏感个人信息", "个人信息", "去标识化", "一般"]
Frequency = Literal["实时", "每日", "每周", "每月", "每季度", "每年", "不定期"]
assert set(OPENNESS) == set(Openness.__args__) and set(SENSITIVITIES) == set(Sensitivity.__args__)


class ColumnOut(BaseModel):
    name: str = Field(description="列名")
    type: str = Field(default="", description="类型")
    comment: str = Field(default="", description="注释")
    pii: str | None = Field(default=None, description="个人信息类型：id_number/name/phone/bank_card/address")
    form: str | None = Field(
        default=None, description="形式：plain 明文、token 盲索引、masked 脱敏、cipher 密文"
    )
    resource: str | None = Field(default=None, description="对应的资源项")


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str = Field(description="目录键，如 silver.person、resource.身份证")
    kind: str = Field(description="类别：source/bronze/silver/gold/mart/dashboard/export/inbound/resource")
    title: str = Field(description="名称")
    description: str = Field(description="描述")
    owner: str = Field(description="责任人（数据管理员或部门）")
    sensitivity: str = Field(description="敏感级别")
    openness: str = Field(description="开放级别")
    update_frequency: str = Field(description="更新频率")
    source: str = Field(description="来源")
    updated_at: datetime
    updated_by: str


class EntryDetail(EntryOut):
    location: str = Field(description="存放位置")
    registered_from: str = Field(description="登记依据（代码位置）")
    columns: list[ColumnOut] = Field(description="列及其敏感识别结果")
    upstream: list[str] = Field(description="直接上游（血缘）")
    edited: list[str] = Field(description="数据管理员维护过的字段（同步不覆盖）")


class EntryUpdate(BaseModel):
    """数据管理员可维护的字段；未给出的字段不变。"""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=2000, description="描述")
    owner: str | None = Field(default=None, min_length=1, max_length=64, description="责任人")
    sensitivity: Sensitivity | None = Field(default=None, description="敏感级别")
    openness: Openness | None = Field(default=None, description="开放级别")
    update_frequency: Frequency | None = Field(default=None, description="更新频率")


class ChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str = Field(description="修改人（sync 为自动同步）")
    field: str
    old: str | None
    new: str | None


class LineageNode(BaseModel):
    key: str
    kind: str
    title: str
    openness: str


class LineageOut(BaseModel):
    key: str
    upstream: list[LineageNode] = Field(description="上游（由近及远）：来源 → 贴源层 → 标准层 …")
    downstream: list[LineageNode] = Field(description="下游（由近及远）：集市 → 看板 → 共享导出 …")
    edges: list[tuple[str, str]] = Field(description="血缘边（上游, 下游）")


class RequestIn(BaseModel):
    """部门对有条件开放资源的访问申请。"""

    model_config = ConfigDict(extra="forbid")

    entry_id: int = Field(ge=1, description="申请的数据集目录条目")
    department: str = Field(pattern=r"^[A-Z]{2,16}$", description="申请部门代码，如 WJW")
    columns: list[str] = Field(min_length=1, max_length=200, description="申请的列")
    valid_until: date = Field(description="授权截止日期（含）")
    purpose: str = Field(min_length=4, max_length=500, description="用途")

    @field_validator("columns")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("列不能重复")
        return value


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool = Field(description="true 批准、false 拒绝")
    reason: str = Field(min_length=2, max_length=500, description="审批意见（拒绝时为理由）")
    columns: list[str] | None = Field(default=None, description="批准的列（默认为申请的列，只能缩小）")
    valid_until: date | None = Field(default=None, description="批准的截止日期（默认为申请的日期，只能提前）")


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entry_id: int
    department: str
    department_name: str
    columns: list[str]
    valid_until: date
    purpose: str
    status: str = Field(description="待审批 / 已批准 / 已拒绝")
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    grant_id: int | None = None


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    entry_id: int
    department: str
    columns: list[str]
    valid_until: date
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None


class RowsOut(BaseModel):
    grant_id: int
    dataset: str
    columns: list[str] = Field(description="授权且可离开平台的列")
    masked: list[str] = Field(description="已脱敏的列")
    total: int
    page: int
    size: int
    rows: list[dict[str, Any]]


class SyncOut(BaseModel):
    added: int
    updated: int
    unchanged: int
