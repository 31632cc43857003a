"""合作系统（调用平台能力的外部系统）、其请求随机数，以及密钥服务保管的密钥。"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import RegionCode, Timestamp


class Partner(Base):
    """合作系统：编号、名称、所属区域、可调用的能力、状态、签名密钥（SM4-GCM 加密保存）。"""

    __tablename__ = "capability_partner"

    partner_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    status: Mapped[str] = mapped_column(String(4), default="启用")
    credential: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(100))
    registered_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class PartnerNonce(Base):
    """合作系统请求的一次性随机数（时间窗内重复即为重放）。"""

    __tablename__ = "capability_nonce"

    partner_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ManagedKey(Base):
    """密钥服务保管的密钥：SM4 数据密钥或 SM2 私钥，以主密钥（密钥环）包装后保存。"""

    __tablename__ = "capability_key"

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(32), index=True)
    algorithm: Mapped[str] = mapped_column(String(8))  # SM4 | SM2
    wrapped: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(4), default="启用")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(Timestamp)
