"""用卡轨迹时间线的请求与响应（只含令牌、掩码与代码，无明文个人信息）。"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.cards.personal import check_id_number
from services.trajectories.people import TOKEN_PATTERN

MAX_PAGE = 200


class TrajectoryKind(StrEnum):
    """轨迹类别（五类）。"""

    IDENTITY_CREDENTIAL = "身份凭证类"
    IDENTITY_CHECK = "身份校验类"
    NON_MEDICAL_SPENDING = "非医保消费类"
    BENEFIT_PAYMENT = "待遇发放类"
    INFORMATION_QUERY = "信息查询类"


class PersonOut(BaseModel):
    """持卡人（脱敏）。"""

    person_token: str = Field(description="证件号码的盲索引令牌")
    id_masked: str | None = Field(description="证件号码（掩码）")
    name_masked: str | None = Field(description="姓名（掩码）")
    sex: str | None = None
    county_code: str | None = Field(description="常住区县代码")
    county_name: str | None = None


class TrajectoryEvent(BaseModel):
    """一次用卡。"""

    event_id: str
    occurred_at: datetime = Field(description="发生时间（UTC）")
    trajectory_kind: str | None = Field(description="轨迹类别")
    scene_code: str | None = None
    scene_name: str | None = Field(description="业务场景")
    channel: str | None = Field(description="用卡渠道")
    terminal_id: str | None = None
    place_code: str | None = Field(description="地点（乡镇/街道代码）")
    county_code: str | None = None
    amount: Decimal | None = Field(description="金额（元），无金额的为空")
    merchant_name: str | None = Field(description="商户/机构")
    result: str | None = Field(description="结果：成功 / 失败")


class Timeline(BaseModel):
    """一页时间线（新的在前）；`next_cursor` 为空表示没有更早的记录。"""

    person: PersonOut
    items: list[TrajectoryEvent]
    next_cursor: str | None = Field(description="下一页（更早）的游标")


class TimelineQuery(BaseModel):
    """按证件号码或令牌查询（证件号码只放在请求体中，不进入地址与访问日志）。"""

    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(default=None, description="公民身份号码（18 位）", max_length=32)
    person_token: str | None = Field(default=None, pattern=TOKEN_PATTERN, description="盲索引令牌")
    kind: TrajectoryKind | None = Field(default=None, description="只看一类轨迹")
    since: datetime | None = Field(default=None, description="起（含），带时区")
    until: datetime | None = Field(default=None, description="止（不含），带时区")
    cursor: str | None = Field(default=None, max_length=200)
    size: int = Field(default=50, ge=1, le=MAX_PAGE)

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str | None) -> str | None:
        return None if value is None else check_id_number(value)

    @field_validator("since", "until")
    @classmethod
    def _zoned(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("时间须带时区，如 2026-11-01T00:00:00+08:00")
        return value
