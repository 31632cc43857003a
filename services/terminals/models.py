"""Kiosks (自助终端), their request nonces, and Excel registration batches."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Identity, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import RegionCode, Timestamp


class Device(Base):
    """设备：设备编号不可变；所属网点决定所属区域（乡镇/街道）。"""

    __tablename__ = "terminal_device"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    device_type: Mapped[str] = mapped_column(String(20))
    outlet_code: Mapped[str] = mapped_column(RegionCode)
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    address: Mapped[str] = mapped_column(String(200))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    manufacturer: Mapped[str | None] = mapped_column(String(100))
    serial_no: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    status: Mapped[str] = mapped_column(String(4), default="启用")
    credential: Mapped[str] = mapped_column(String(200))
    credential_issued_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_ip: Mapped[str | None] = mapped_column(String(45))
    registered_by: Mapped[str] = mapped_column(String(32))
    import_batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class DeviceNonce(Base):
    """设备请求的一次性随机数：在时间窗内重复即为重放（多个进程共用数据库判定）。"""

    __tablename__ = "device_nonce"

    device_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ImportBatch(Base):
    """一次 Excel 批量登记：结果（成功 / 部分失败 / 失败）与计数。"""

    __tablename__ = "device_import_batch"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    file_name: Mapped[str] = mapped_column(String(200))
    file_sm3: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    status: Mapped[str] = mapped_column(String(8))
    total: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class ImportRow(Base):
    """批量登记的逐行结果；失败行保留原始单元格内容，供下载修改后重新上传。"""

    __tablename__ = "device_import_row"

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("device_import_batch.id", ondelete="CASCADE"), primary_key=True
    )
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    cells: Mapped[str | None] = mapped_column(Text)
