"""持卡人关系网与策略运行的响应（脱敏）。"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.cards.personal import check_id_number
from services.trajectories.people import TOKEN_PATTERN
from services.trajectories.schemas import PersonOut


class GraphNode(BaseModel):
    id: str = Field(description="节点编号：类型:键")
    type: str = Field(description="person / card / application / issue / benefit / task")
    label: str
    attributes: dict[str, Any]


class GraphEdge(BaseModel):
    source: str
    target: str
    relation: str = Field(description="持有 / 申请 / 制卡 / 问题 / 领取 / 服务 / 关于")


class HolderNetwork(BaseModel):
    """持卡人状态关系网。"""

    person: PersonOut
    as_of: date = Field(description="问题判定的业务日期")
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class HolderQuery(BaseModel):
    """按证件号码（只在请求体中）或令牌查询。"""

    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(default=None, max_length=32)
    person_token: str | None = Field(default=None, pattern=TOKEN_PATTERN)

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str | None) -> str | None:
        return None if value is None else check_id_number(value)


class StrategyRunOut(BaseModel):
    """一次策略运行（本辖区内的目标与成效）。"""

    run_id: int
    strategy_id: str
    strategy_name: str
    as_of_date: date
    channel_id: str
    note: str | None
    targets: int = Field(description="本辖区目标人数")
    delivered: int = Field(description="已生成待办消息的人数")
    acted: int = Field(description="已办理")
    not_acted: int = Field(description="未办理（期限已过）")
    pending: int = Field(description="待观察")
