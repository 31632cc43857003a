"""What staff send and see: blank-card ledger, finished cards, issuance, batches, write-back.

Personal data is shown masked only (`511102********1234`, `张*`, `138****8000`, `622848******8901`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.cards import personal
from services.terminals.schemas import safe_text
from yikatong import regions

FinishedState = Literal["待领", "领卡成功", "领卡失败"]
IssueType = Literal["领卡", "补卡", "换卡"]
WritebackState = Literal["成功", "待重试", "失败"]


def outlet_name(code: str | None) -> str | None:
    return regions.name(code) if code and regions.exists(code) else None


class AdditionIn(BaseModel):
    """添加预制卡：数量须与实际放入设备的一致。"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    quantity: int = Field(ge=1, le=1000, description="本次添加数量，1–1000 张")
    remark: str | None = Field(None, max_length=100, description="备注")

    _remark = field_validator("remark")(safe_text)


class Located(BaseModel):
    device_id: str
    outlet_code: str
    outlet_name: str | None
    region_code: str = Field(description="所属乡镇（街道）代码")


class LedgerOut(Located):
    """一台设备的预制卡：数量（Σ 添加）、已使用、未使用 = 数量 − 已使用。"""

    device_name: str
    device_status: str
    added_total: int = Field(description="预制卡数量")
    used_total: int = Field(description="已使用")
    remaining: int = Field(description="未使用")
    updated_at: datetime | None


class AdditionOut(BaseModel):
    id: int
    device_id: str
    quantity: int
    remark: str | None
    operator: str
    added_at: datetime


class AdditionResult(BaseModel):
    addition: AdditionOut
    ledger: LedgerOut


class UsageOut(BaseModel):
    id: int
    device_id: str
    usage: str = Field(description="制卡 / 废卡")
    quantity: int
    card_no: str | None
    reason: str | None
    occurred_at: datetime


class PickupOut(BaseModel):
    result: str
    pickup_by: str = Field(description="本人 / 代领")
    agent_id_masked: str | None
    agent_name_masked: str | None
    agent_phone_masked: str | None
    reason: str | None
    occurred_at: datetime


class FinishedCardOut(Located):
    """成品卡；出库时间（picked_up_at）在待领时为空。"""

    id: int
    card_no: str
    batch_no: str | None
    box_position: str | None
    holder_id_masked: str
    holder_name_masked: str
    state: FinishedState
    read_at: datetime
    picked_up_at: datetime | None = Field(description="出库时间")
    pickup_by: str | None
    failure_reason: str | None


class FinishedCardDetail(FinishedCardOut):
    pickups: list[PickupOut]


class IssuanceOut(Located):
    """发卡记录。"""

    id: int
    issue_type: IssueType
    card_no: str
    old_card_no: str | None
    holder_id_masked: str
    holder_name_masked: str
    pickup_by: str | None
    issued_at: datetime


class BatchFetch(BaseModel):
    """从省卡管系统获取一个制卡批次。"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    batch_no: str = Field(pattern=r"^[A-Za-z0-9-]{1,16}$", description="制卡批次号")


class BatchOut(BaseModel):
    batch_no: str
    bank_code: str | None
    bank_name: str | None
    card_count: int | None = Field(description="制卡数量（批次全部）")
    cards_in_scope: int = Field(description="其中领卡网点在本人区域内的张数")
    made_at: datetime | None
    city_received_at: datetime | None
    fetched_by: str
    fetched_at: datetime


class BatchCardOut(BaseModel):
    card_no: str
    holder_id_masked: str | None
    holder_name_masked: str | None
    box_position: str | None
    outlet_code: str | None
    outlet_name: str | None
    region_code: str
    send_address: str | None


class AttemptOut(BaseModel):
    attempt_no: int
    mode: str = Field(description="设备自动 / 自动重试 / 人工重试")
    operator: str
    result: str
    error_code: str | None
    error_message: str | None
    attempted_at: datetime


class WritebackOut(Located):
    id: int
    card_no: str
    bank_account_masked: str
    chip_no: str
    state: WritebackState
    attempts: int
    next_attempt_at: datetime | None = Field(description="下次自动重试时间（待重试时）")
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None


class WritebackDetail(WritebackOut):
    history: list[AttemptOut] = Field(description="每一次回盘尝试")


class BalanceOut(BaseModel):
    """设备上的预制卡余量（终端接口的应答）。"""

    device_id: str
    added_total: int
    used_total: int
    remaining: int
    duplicate: bool = Field(description="同一事件编号已处理过（重发），未重复计数")


def check_card_no_query(value: str | None) -> str | None:
    return None if value is None else personal.check_card_no(value)
