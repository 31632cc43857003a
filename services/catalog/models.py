"""数据资源目录的表：目录条目、变更历史、访问申请、授权、共享交付记录。

A catalog entry (目录条目) is either a dataset of some layer (source, bronze, silver, gold, mart,
dashboard, export, inbound) or one of the city's resource items (资源项, DOMAIN.md). Columns and
lineage are JSON: they are read and written whole, never queried inside.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Identity, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import Timestamp


class CatalogEntry(Base):
    """目录条目：数据集或资源项，及其描述、责任人、敏感级别、开放级别、更新频率、血缘。"""

    __tablename__ = "catalog_entry"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    key: Mapped[str] = mapped_column(String(120, collation="C"), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(64), default="")
    sensitivity: Mapped[str] = mapped_column(String(16), index=True)
    openness: Mapped[str] = mapped_column(String(8), index=True)
    update_frequency: Mapped[str] = mapped_column(String(16), default="每日")
    source: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    columns: Mapped[list] = mapped_column(JSONB, default=list)
    upstream: Mapped[list] = mapped_column(JSONB, default=list)
    edited: Mapped[list] = mapped_column(JSONB, default=list)  # fields a steward set; sync keeps them
    registered_from: Mapped[str] = mapped_column(String(120))
    synced_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(32), default="sync")


class CatalogChange(Base):
    """目录条目的变更历史（谁、何时、哪个字段、原值、新值）。"""

    __tablename__ = "catalog_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("catalog_entry.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    actor: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(32))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class AccessRequest(Base):
    """数据资源访问申请：部门申请有条件开放的资源，数据管理员批准或拒绝（附理由）。"""

    __tablename__ = "catalog_request"
    __table_args__ = (Index("ix_catalog_request_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("catalog_entry.id", ondelete="CASCADE"), index=True)
    department: Mapped[str] = mapped_column(String(16))
    department_name: Mapped[str] = mapped_column(String(64))
    columns: Mapped[list] = mapped_column(JSONB)
    valid_until: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default="待审批")
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)
    reason: Mapped[str | None] = mapped_column(String(500))


class Grant(Base):
    """授权：一次批准的结果，限定列与有效期；共享与实时查询都只按授权取数。"""

    __tablename__ = "catalog_grant"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("catalog_request.id", ondelete="CASCADE"), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("catalog_entry.id", ondelete="CASCADE"), index=True)
    department: Mapped[str] = mapped_column(String(16), index=True)
    columns: Mapped[list] = mapped_column(JSONB)
    valid_until: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ShareDelivery(Base):
    """一次共享交付：每个订阅部门每个业务日期至多一次，凭交换平台回执记账。"""

    __tablename__ = "catalog_delivery"
    __table_args__ = (UniqueConstraint("department", "business_date"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    department: Mapped[str] = mapped_column(String(16))
    business_date: Mapped[date] = mapped_column(Date)
    manifest_sm3: Mapped[str] = mapped_column(String(64))
    files: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger)
    receipt: Mapped[dict] = mapped_column(JSONB)
    delivered_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
