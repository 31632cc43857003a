"""Card tables: blank-card ledger (预制卡), finished cards (成品卡), issuance (发卡记录), production
batches (制卡批次) and write-back (回盘).

Every row that comes from a kiosk keeps the device's outlet and region *at the time of the event*,
so moving a device later does not rewrite history, and scope checks need no join. Personal data
(ID numbers, names, phones, bank accounts) is stored as a blind index (`*_token`, HMAC-SM3), an
SM4-GCM ciphertext (`*_cipher`) and a display mask (`*_masked`), never in plain text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import RegionCode, Timestamp

DEVICE_FK = "terminal_device.device_id"


class BlankCardStock(Base):
    """预制卡台账（每台设备一行）：数量 = Σ 添加，已使用 = Σ 使用，未使用 = 数量 − 已使用 ≥ 0。"""

    __tablename__ = "card_blank_stock"
    __table_args__ = (
        CheckConstraint("added_total >= 0 and used_total >= 0 and used_total <= added_total", name="balance"),
    )

    device_id: Mapped[str] = mapped_column(ForeignKey(DEVICE_FK, ondelete="CASCADE"), primary_key=True)
    added_total: Mapped[int] = mapped_column(Integer, default=0)
    used_total: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class BlankCardAddition(Base):
    """预制卡添加记录：时间、数量、操作人（工作人员在系统上登记放入设备的预制卡）。"""

    __tablename__ = "card_blank_addition"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey(DEVICE_FK, ondelete="CASCADE"), index=True)
    outlet_code: Mapped[str] = mapped_column(RegionCode)
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    remark: Mapped[str | None] = mapped_column(String(100))
    operator: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)


class BlankCardUsage(Base):
    """预制卡使用记录（设备上报）：制卡 或 废卡；(设备, 事件编号) 唯一，设备重发不重复计数。"""

    __tablename__ = "card_blank_usage"
    __table_args__ = (
        UniqueConstraint("device_id", "event_id"),
        CheckConstraint("quantity > 0", name="positive"),
        Index("ix_card_blank_usage_region_time", "region_code", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey(DEVICE_FK, ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    outlet_code: Mapped[str] = mapped_column(RegionCode)
    region_code: Mapped[str] = mapped_column(RegionCode)
    usage: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[int] = mapped_column(Integer)
    card_no: Mapped[str | None] = mapped_column(String(9))
    reason: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    received_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class FinishedCard(Base):
    """成品卡：设备读取并上传；领取状态 待领 / 领卡成功 / 领卡失败，出库时间仅在领卡成功后有值。"""

    __tablename__ = "card_finished"
    __table_args__ = (
        CheckConstraint("(state = '领卡成功') = (picked_up_at is not null)", name="out_time"),
        Index("ix_card_finished_region_state", "region_code", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    card_no: Mapped[str] = mapped_column(String(9), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey(DEVICE_FK, ondelete="CASCADE"), index=True)
    outlet_code: Mapped[str] = mapped_column(RegionCode)
    region_code: Mapped[str] = mapped_column(RegionCode)
    batch_no: Mapped[str | None] = mapped_column(String(16))
    box_position: Mapped[str | None] = mapped_column(String(20))
    holder_id_token: Mapped[str] = mapped_column(String(64), index=True)
    holder_id_cipher: Mapped[str] = mapped_column(Text)
    holder_id_masked: Mapped[str] = mapped_column(String(18))
    holder_name_cipher: Mapped[str] = mapped_column(Text)
    holder_name_masked: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(4), default="待领")
    read_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    picked_up_at: Mapped[datetime | None] = mapped_column(Timestamp)
    pickup_by: Mapped[str | None] = mapped_column(String(2))
    failure_reason: Mapped[str | None] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class CardPickup(Base):
    """一次领卡（成功或失败）：本人 或 代领；代领人证件号、姓名、电话必填（加密存储）。"""

    __tablename__ = "card_pickup"
    __table_args__ = (UniqueConstraint("device_id", "event_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    finished_card_id: Mapped[int] = mapped_column(
        ForeignKey("card_finished.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(4))
    pickup_by: Mapped[str] = mapped_column(String(2))
    agent_id_token: Mapped[str | None] = mapped_column(String(64))
    agent_id_cipher: Mapped[str | None] = mapped_column(Text)
    agent_id_masked: Mapped[str | None] = mapped_column(String(18))
    agent_name_cipher: Mapped[str | None] = mapped_column(Text)
    agent_name_masked: Mapped[str | None] = mapped_column(String(50))
    agent_phone_cipher: Mapped[str | None] = mapped_column(Text)
    agent_phone_masked: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    received_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Issuance(Base):
    """发卡记录：领卡（成品卡领取）、补卡、换卡（后两者在设备上即时制卡，消耗一张预制卡）。"""

    __tablename__ = "card_issuance"
    __table_args__ = (
        UniqueConstraint("device_id", "event_id"),
        Index("ix_card_issuance_region_time", "region_code", "issued_at"),
        Index("ix_card_issuance_device_time", "device_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey(DEVICE_FK, ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    outlet_code: Mapped[str] = mapped_column(RegionCode)
    region_code: Mapped[str] = mapped_column(RegionCode)
    issue_type: Mapped[str] = mapped_column(String(2))
    card_no: Mapped[str] = mapped_column(String(9), index=True)
    old_card_no: Mapped[str | None] = mapped_column(String(9))
    holder_id_token: Mapped[str] = mapped_column(String(64), index=True)
    holder_id_cipher: Mapped[str] = mapped_column(Text)
    holder_id_masked: Mapped[str] = mapped_column(String(18))
    holder_name_cipher: Mapped[str] = mapped_column(Text)
    holder_name_masked: Mapped[str] = mapped_column(String(50))
    pickup_by: Mapped[str | None] = mapped_column(String(2))
    issued_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    received_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class CardBatch(Base):
    """制卡批次（取自省卡管系统，按批次保存）：服务银行、制卡数量、制卡与市级接收时间。"""

    __tablename__ = "card_batch"

    batch_no: Mapped[str] = mapped_column(String(16), primary_key=True)
    bank_code: Mapped[str | None] = mapped_column(String(3))
    bank_name: Mapped[str | None] = mapped_column(String(50))
    card_count: Mapped[int | None] = mapped_column(Integer)
    made_at: Mapped[datetime | None] = mapped_column(Timestamp)
    city_received_at: Mapped[datetime | None] = mapped_column(Timestamp)
    fetched_by: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class CardBatchItem(Base):
    """批次中的一张卡：卡号、持卡人（加密）、装箱位置、领卡网点；区域取领卡网点（无网点时为全市）。"""

    __tablename__ = "card_batch_item"

    batch_no: Mapped[str] = mapped_column(
        ForeignKey("card_batch.batch_no", ondelete="CASCADE"), primary_key=True
    )
    card_no: Mapped[str] = mapped_column(String(9), primary_key=True)
    holder_id_token: Mapped[str | None] = mapped_column(String(64), index=True)
    holder_id_cipher: Mapped[str | None] = mapped_column(Text)
    holder_id_masked: Mapped[str | None] = mapped_column(String(18))
    holder_name_cipher: Mapped[str | None] = mapped_column(Text)
    holder_name_masked: Mapped[str | None] = mapped_column(String(50))
    box_position: Mapped[str | None] = mapped_column(String(20))
    outlet_code: Mapped[str | None] = mapped_column(RegionCode)
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    send_address: Mapped[str | None] = mapped_column(String(100))


class Writeback(Base):
    """回盘记录（每张卡一条）：成功 / 待重试（自动重试中）/ 失败（自动重试用尽，可人工重试）。"""

    __tablename__ = "card_writeback"
    __table_args__ = (Index("ix_card_writeback_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    card_no: Mapped[str] = mapped_column(String(9), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey(DEVICE_FK, ondelete="CASCADE"), index=True)
    outlet_code: Mapped[str] = mapped_column(RegionCode)
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    bank_account_token: Mapped[str] = mapped_column(String(64))
    bank_account_cipher: Mapped[str] = mapped_column(Text)
    bank_account_masked: Mapped[str] = mapped_column(String(19))
    chip_no: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(4))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class WritebackAttempt(Base):
    """每一次回盘尝试：设备自动、系统自动重试或人工重试，结果与省卡管系统的错误码。"""

    __tablename__ = "card_writeback_attempt"
    __table_args__ = (UniqueConstraint("device_id", "event_id"),)

    writeback_id: Mapped[int] = mapped_column(
        ForeignKey("card_writeback.id", ondelete="CASCADE"), primary_key=True
    )
    attempt_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    operator: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str | None] = mapped_column(String(20))
    event_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(4))
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(200))
    attempted_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class CardStatsDaily(Base):
    """业务统计日汇总：每个自然日（北京时间）、网点、区域的发卡、领卡、补卡、换卡、预制卡添加与使用、废卡。

    Kept by statement-level insert triggers on `card_issuance`, `card_blank_addition` and
    `card_blank_usage` (revision 0008), in the inserting transaction, so every writer keeps it
    exact. Statistics read whole days here and only the partial days at a range's ends from the
    event rows (`stats`).
    """

    __tablename__ = "card_stats_daily"
    __table_args__ = (Index("ix_card_stats_daily_region_day", "region_code", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    outlet_code: Mapped[str] = mapped_column(RegionCode, primary_key=True)
    region_code: Mapped[str] = mapped_column(RegionCode, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, server_default="0")
    pickups: Mapped[int] = mapped_column(Integer, server_default="0")
    replacements: Mapped[int] = mapped_column(Integer, server_default="0")
    exchanges: Mapped[int] = mapped_column(Integer, server_default="0")
    blank_added: Mapped[int] = mapped_column(BigInteger, server_default="0")
    blank_used: Mapped[int] = mapped_column(BigInteger, server_default="0")
    waste: Mapped[int] = mapped_column(BigInteger, server_default="0")
