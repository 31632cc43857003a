"""自助机即时申领 / 即时补换卡（seed 3.2.4）的请求与应答。

The kiosk sends, in one signed call, what its ID reader read from the card's chip (the six printed
fields, the validity dates and the chip's portrait, base64 JPG/PNG), the live photo its camera took,
and the blank card it is about to personalise from its hopper (pre-made cards carry their card number,
chip number and a pre-opened bank account). Example body::

    {"event_id": "ii-0001-abcd", "issue_type": "申领",
     "id_reader": {"id_number": "11010519491231002X", "name": "张三", "valid_until": "2036-01-01",
                   "photo": "<base64 JPG, the chip portrait>"},
     "live_photo": "<base64 JPG>",
     "blank_card": {"card_no": "K00000001", "chip_no": "86860001A1B2C3D4",
                    "bank_account": "6228480012345678901"},
     "occurred_at": "2026-11-28T10:10:00+08:00"}
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from services.cards import personal
from services.cards.device_schemas import EVENT_ID, check_event_time
from services.cards.schemas import BalanceOut

B64 = Field(min_length=100, max_length=1_400_000, description="图片（JPG/PNG）的 base64")


class IdReading(BaseModel):
    """身份证阅读器读出的芯片信息（人像为芯片中的照片）。"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id_number: str
    name: str
    valid_until: date | None = Field(None, description="证件有效期截止日（长期有效可不填）")
    photo: str = B64

    _id = field_validator("id_number")(personal.check_id_number)
    _name = field_validator("name")(personal.check_name)


class BlankCard(BaseModel):
    """料仓中即将个人化的预制卡：卡号、芯片号、预开的银行账号。"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    card_no: str
    chip_no: str = Field(pattern=r"^[0-9A-Fa-f]{8,32}$")
    bank_account: str

    _card = field_validator("card_no")(personal.check_card_no)
    _account = field_validator("bank_account")(personal.check_bank_account)


class InstantIn(BaseModel):
    """一次即时制卡：业务类型、读证信息、现场照片、预制卡、发生时间。"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    event_id: str = EVENT_ID
    issue_type: Literal["申领", "补卡", "换卡"] = Field(description="即时申领 / 即时补卡 / 即时换卡")
    id_reader: IdReading
    live_photo: str = B64
    blank_card: BlankCard
    old_card_no: str | None = Field(None, description="原卡卡号（补卡、换卡；不填则取省卡管中的卡）")
    occurred_at: AwareDatetime

    _old = field_validator("old_card_no")(lambda v: None if v is None else personal.check_card_no(v))
    _time = field_validator("occurred_at")(check_event_time)


class Approval(BaseModel):
    """自动审核的依据：人证比对与省卡管资格检查。"""

    face_distance: float = Field(description="现场照片与芯片照片的人脸特征距离（< 0.6 为同一人）")
    card_check: str = Field(description="省卡管资格检查结论")
    approved_by: str = "自动审核"


class WritebackState(BaseModel):
    writeback_id: int
    state: str = Field(description="成功 / 待重试 / 失败")
    attempts: int


class InstantOut(BaseModel):
    """即时制卡结果：发卡记录、所用预制卡余量、激活时间、回盘状态。"""

    issuance_id: int
    issue_type: str = Field(description="记录中的发卡方式：即时申领记为“领卡”，补卡、换卡照旧")
    card_no: str
    old_card_no: str | None
    holder_masked: str
    approval: Approval | None = Field(description="重发的事件不再审核，为空")
    activated_at: datetime
    balance: BalanceOut
    writeback: WritebackState | None
    duplicate: bool = False
