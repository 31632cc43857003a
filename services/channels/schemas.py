"""渠道接口的请求与应答。"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Business = Literal["申领", "补卡", "换卡", "临时挂失", "解挂"]
DocumentType = Literal[
    "居民身份证",
    "港澳居民来往内地通行证",
    "外国人永久居留身份证",
    "台湾居民来往大陆通行证",
    "港澳台居民居住证",
]
TEXT = r"^[^<>=+@\t\r\n][^<>\t\r\n]*$"
PHOTO_ID = r"^p_[A-Za-z0-9_-]{32}$"


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel_id: str = Field(pattern=r"^[A-Za-z0-9_-]{3,32}$")
    name: str = Field(min_length=2, max_length=50)
    channel_class: Literal["人社渠道", "政府渠道", "全国签约渠道", "银行渠道", "医药渠道", "社会渠道"]
    tier: Literal[1, 2]
    parent_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{3,32}$")
    region_code: str = Field(pattern=r"^\d{6}$")
    idp_public_key: str = Field(
        pattern=r"^[0-9a-fA-F]{128}$", description="身份提供方 SM2 公钥（x‖y 十六进制）"
    )
    push_url: str | None = Field(default=None, max_length=200, pattern=r"^https?://")
    rate_limit_per_min: int = Field(default=60, ge=1, le=100000)


class ChannelOut(BaseModel):
    channel_id: str
    name: str
    channel_class: str
    tier: int
    parent_id: str | None
    region_code: str
    push_url: str | None
    rate_limit_per_min: int
    status: str


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assertion: str = Field(min_length=10, max_length=4000, description="渠道签发的 SM2 实名断言")


class SessionOut(BaseModel):
    token: str
    expires_at: datetime
    channel_id: str
    id_masked: str
    name_masked: str


class ApplicationForm(BaseModel):
    """线上业务表单（申领/补卡/换卡需要联系信息与领卡网点；挂失/解挂只需卡号）。"""

    model_config = ConfigDict(extra="forbid")
    business: Business
    document_type: DocumentType | None = Field(default=None, description="证件类型（默认取实名认证时的证件）")
    phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    address: str | None = Field(default=None, max_length=100, pattern=TEXT)
    outlet_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    card_no: str | None = Field(default=None, pattern=r"^[A-Z0-9]{9}$")
    guardian_id_type: DocumentType | None = None
    guardian_id_number: str | None = Field(default=None, max_length=20)
    guardian_name: str | None = Field(default=None, max_length=50, pattern=TEXT)
    photo_id: str | None = Field(default=None, pattern=PHOTO_ID, description="上传的制卡照片编号")
    id_image_id: str | None = Field(default=None, pattern=PHOTO_ID, description="上传的身份证人像面编号")


class EventOut(BaseModel):
    from_state: str | None
    to_state: str
    actor: str
    note: str | None
    at: datetime


class ApplicationOut(BaseModel):
    application_id: int
    business: str
    state: str
    open: bool
    channel_id: str
    region_code: str
    id_masked: str
    name_masked: str
    card_no: str | None
    province_ref: str | None
    reason: str | None
    created_at: datetime
    batch_no: str | None = None
    box_position: str | None = None
    outlet_code: str | None = None
    timeline: list[EventOut] = []


class ProgressOut(ApplicationOut):
    """办理进度：申请、阶段时间线与领卡信息（装箱位置的文字说法、领卡网点名称）。"""

    box_position_text: str | None = None
    outlet_name: str | None = None


class ReviewAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=200, pattern=TEXT)
