"""渠道、居民会话、线上业务申请及其阶段时间线、外发消息（outbox）。"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import RegionCode, Timestamp


class Channel(Base):
    """接入渠道：类别、级别（一级直连全国平台，二级经一级上级）、上级、身份提供方公钥、限流。"""

    __tablename__ = "channel"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    channel_class: Mapped[str] = mapped_column(String(10))
    tier: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    idp_public_key: Mapped[str] = mapped_column(String(128))
    push_url: Mapped[str | None] = mapped_column(String(200))
    rate_limit_per_min: Mapped[int] = mapped_column(Integer, default=60)
    status: Mapped[str] = mapped_column(String(4), default="启用")
    registered_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ResidentSession(Base):
    """居民会话：由渠道签发的实名断言换取；只存令牌的 SM3 摘要与证件号的盲索引、密文、掩码。"""

    __tablename__ = "channel_resident_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    assertion_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    person_token: Mapped[str] = mapped_column(String(64), index=True)
    id_cipher: Mapped[str] = mapped_column(Text)
    id_masked: Mapped[str] = mapped_column(String(32))
    name_cipher: Mapped[str] = mapped_column(Text)
    name_masked: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    document_type: Mapped[str] = mapped_column(String(2), default="01", server_default="01")
    birth_date: Mapped[date | None] = mapped_column(Date)


class Application(Base):
    """一件线上业务（申领、补卡、换卡、临时挂失、解挂）：流程状态、表单（个人数据加密）、省卡管受理号。

    同一人同一时间只能有一件未办结的业务（部分唯一索引），同一幂等键只受理一次。
    """

    __tablename__ = "channel_application"
    __table_args__ = (
        Index(
            "uq_channel_application_open_person",
            "person_token",
            unique=True,
            postgresql_where=text("open"),
        ),
    )

    application_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    business: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8))
    open: Mapped[bool] = mapped_column(default=True)
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    person_token: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(32))
    name_masked: Mapped[str] = mapped_column(String(32))
    form_cipher: Mapped[str] = mapped_column(Text)
    form_public: Mapped[dict[str, Any]] = mapped_column(JSON)
    card_no: Mapped[str | None] = mapped_column(String(12))
    province_ref: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    # 领卡信息：制卡批次、装箱位置（箱-盒-排-位）、领卡网点（先取表单所选，省卡管回报后以其为准）
    batch_no: Mapped[str | None] = mapped_column(String(16))
    box_position: Mapped[str | None] = mapped_column(String(20))
    outlet_code: Mapped[str | None] = mapped_column(String(12))


class ApplicationEvent(Base):
    """阶段时间线：每次状态变化一行（谁、何时、从何到何、备注）。"""

    __tablename__ = "channel_application_event"

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(BigInteger, index=True)
    from_state: Mapped[str | None] = mapped_column(String(8))
    to_state: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class OutboxMessage(Base):
    """待外发消息（待办 / 推送）：与业务变化同一事务写入，投递循环按指数退避重试，投递成功恰好一次。"""

    __tablename__ = "channel_outbox"

    message_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    topic: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(4), default="待发")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ChannelPhoto(Base):
    """居民上传的图片（制卡照片 / 身份证人像面）：内容以 SM4-GCM 加密存于库中，只凭不可猜的编号引用。

    The face descriptor (128 numbers, biometric) is encrypted too; it lets the application compare
    the live photo with the ID image's portrait without decoding either again.
    """

    __tablename__ = "channel_photo"

    photo_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    person_token: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(4))
    media_type: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    faces: Mapped[int] = mapped_column(Integer)
    content_cipher: Mapped[str] = mapped_column(Text)
    descriptor_cipher: Mapped[str | None] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
