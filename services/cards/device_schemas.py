"""Request bodies of the kiosk card API (`/api/v1/device/...`), for kiosks and the fleet simulator.

Every event a kiosk reports carries an `event_id` it made itself (8–64 of `[A-Za-z0-9_-]`, e.g. a
UUID): the server keeps one row per (device, event_id), so a kiosk that resends after a timeout is
answered with the first result (`duplicate: true`) and nothing is counted twice. Event times are
the kiosk's clock, with a zone (ISO 8601), no older than 30 days and no later than 5 minutes ahead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from services.base.db import utcnow
from services.cards import personal
from services.terminals.schemas import safe_text

EVENT_ID = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="设备生成的事件编号（幂等键），8–64 位")
MAX_AGE, MAX_AHEAD = timedelta(days=30), timedelta(minutes=5)


def check_event_time(value: datetime) -> datetime:
    now = utcnow()
    if value < now - MAX_AGE or value > now + MAX_AHEAD:
        raise ValueError("事件时间不合理：应在 30 天内且不晚于当前时间 5 分钟")
    return value


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str = EVENT_ID


class BlankCardUse(_Event):
    """使用预制卡：制卡（须给卡号）或 废卡（须给原因）。补卡、换卡请用 `/issuances`，会自动扣减。

    Example: `{"event_id": "u-0001-abcd", "usage": "废卡", "quantity": 1, "reason": "写卡失败",
    "occurred_at": "2026-11-28T10:00:00+08:00"}`
    """

    usage: Literal["制卡", "废卡"] = Field(description="用途：制卡 / 废卡")
    quantity: int = Field(1, ge=1, le=20, description="张数，1–20")
    card_no: str | None = Field(None, description="制卡时所制卡的卡号")
    reason: str | None = Field(None, max_length=100, description="废卡原因")
    occurred_at: AwareDatetime = Field(description="发生时间")

    _card = field_validator("card_no")(lambda v: None if v is None else personal.check_card_no(v))
    _reason = field_validator("reason")(safe_text)
    _time = field_validator("occurred_at")(check_event_time)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.usage == "制卡" and (self.card_no is None or self.quantity != 1):
            raise ValueError("制卡时须给出卡号，且张数为 1")
        if self.usage == "废卡" and not self.reason:
            raise ValueError("废卡须说明原因")
        return self


class FinishedCardIn(BaseModel):
    """设备读出的一张成品卡。"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    card_no: str = Field(description="社会保障卡卡号（9 位）", examples=["B00000019"])
    id_number: str = Field(description="持卡人社会保障号码（公民身份号码）")
    name: str = Field(description="持卡人姓名")
    batch_no: str | None = Field(None, pattern=r"^[A-Za-z0-9-]{1,16}$", description="制卡批次号")
    box_position: str | None = Field(
        None, pattern=r"^\d{1,4}(-\d{1,4}){0,3}$", description="装箱位置，如 1-2-3-1"
    )

    _card = field_validator("card_no")(personal.check_card_no)
    _id = field_validator("id_number")(personal.check_id_number)
    _name = field_validator("name")(personal.check_name)


class FinishedCardUpload(BaseModel):
    """上传设备中的成品卡（放入后自动读取），每次 1–100 张。

    Example: `{"read_at": "2026-11-28T09:00:00+08:00", "cards": [{"card_no": "B00000019",
    "id_number": "11010519491231002X", "name": "张三", "batch_no": "P20261120001",
    "box_position": "1-1-1-1"}]}`
    """

    model_config = ConfigDict(extra="forbid")

    read_at: AwareDatetime = Field(description="读卡时间")
    cards: list[FinishedCardIn] = Field(min_length=1, max_length=100)

    _time = field_validator("read_at")(check_event_time)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if len({c.card_no for c in self.cards}) != len(self.cards):
            raise ValueError("同一次上传中卡号重复")
        return self


class Agent(BaseModel):
    """代领人：证件号、姓名、电话均必填。"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(description="代领人公民身份号码")
    name: str = Field(description="代领人姓名")
    phone: str = Field(description="代领人手机号码")

    _id = field_validator("id_number")(personal.check_id_number)
    _name = field_validator("name")(personal.check_name)
    _phone = field_validator("phone")(personal.check_phone)


class PickupIn(_Event):
    """领卡结果。本人领取须给出现场读取的身份证号（须与持卡人一致）；代领须给出代领人信息。

    Example: `{"event_id": "p-0001-abcd", "result": "领卡成功", "pickup_by": "代领",
    "agent": {"id_number": "440524188001010014", "name": "李四", "phone": "13800138000"},
    "occurred_at": "2026-11-28T10:05:00+08:00"}`
    """

    result: Literal["领卡成功", "领卡失败"]
    pickup_by: Literal["本人", "代领"]
    holder_id_number: str | None = Field(None, description="本人领取：现场读取的身份证号")
    agent: Agent | None = Field(None, description="代领人（代领时必填）")
    reason: str | None = Field(None, max_length=100, description="领卡失败原因")
    occurred_at: AwareDatetime

    _id = field_validator("holder_id_number")(lambda v: None if v is None else personal.check_id_number(v))
    _reason = field_validator("reason")(safe_text)
    _time = field_validator("occurred_at")(check_event_time)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.pickup_by == "代领" and self.agent is None:
            raise ValueError("代领须填写代领人证件号码、姓名和电话")
        if self.pickup_by == "本人" and (self.agent is not None or self.holder_id_number is None):
            raise ValueError("本人领取须给出现场读取的身份证号，且不填代领人")
        if self.result == "领卡失败" and not self.reason:
            raise ValueError("领卡失败须说明原因")
        return self


class IssuanceIn(_Event):
    """补卡 / 换卡：设备即时制卡，自动扣减一张预制卡（余量不足时拒绝，不写入任何数据）。

    Example: `{"event_id": "i-0001-abcd", "issue_type": "补卡", "card_no": "B00000020",
    "old_card_no": "B00000019", "id_number": "11010519491231002X", "name": "张三",
    "occurred_at": "2026-11-28T10:10:00+08:00"}`
    """

    issue_type: Literal["补卡", "换卡"] = Field(description="补卡（丢失补办）/ 换卡（损坏、到期更换）")
    card_no: str = Field(description="新卡卡号")
    old_card_no: str | None = Field(None, description="原卡卡号")
    id_number: str
    name: str
    occurred_at: AwareDatetime

    _cards = field_validator("card_no", "old_card_no")(
        lambda v: None if v is None else personal.check_card_no(v)
    )
    _id = field_validator("id_number")(personal.check_id_number)
    _name = field_validator("name")(personal.check_name)
    _time = field_validator("occurred_at")(check_event_time)


class WritebackIn(_Event):
    """设备自动回盘的结果（成功或失败）；失败的由平台按退避策略自动重试。

    Example: `{"event_id": "w-0001-abcd", "card_no": "B00000020", "bank_account": "6228480012345678901",
    "chip_no": "86860001A1B2C3D4", "result": "失败", "error_code": "4001",
    "error_message": "银行账户信息不一致", "attempted_at": "2026-11-28T10:11:00+08:00"}`
    """

    card_no: str
    bank_account: str = Field(description="银行账号（金融账户）")
    chip_no: str = Field(pattern=r"^[0-9A-Fa-f]{8,32}$", description="芯片序列号")
    result: Literal["成功", "失败"]
    error_code: str | None = Field(None, pattern=r"^[A-Za-z0-9_]{1,16}$")
    error_message: str | None = Field(None, max_length=200)
    attempted_at: AwareDatetime

    _card = field_validator("card_no")(personal.check_card_no)
    _account = field_validator("bank_account")(personal.check_bank_account)
    _message = field_validator("error_message")(safe_text)
    _time = field_validator("attempted_at")(check_event_time)
