"""The tables every API relies on: staff accounts, their sessions, and the audit chain.

Region codes use the "C" collation so `region_code LIKE '511102%'` can use a b-tree index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow

Timestamp = DateTime(timezone=True)
RegionCode = String(12, collation="C")


class StaffUser(Base):
    """工作人员账号：唯一用户名、角色、所属区域、argon2 口令、SM2 公钥（第二因子）。"""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(RegionCode, index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    sm2_public_key: Mapped[str] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Timestamp)
    last_login_at: Mapped[datetime | None] = mapped_column(Timestamp)
    password_changed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class StaffSession(Base):
    """服务端会话：令牌只存其 SM3 摘要；空闲超时、绝对过期与退出登录都在这里生效。"""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    client_ip: Mapped[str | None] = mapped_column(String(45))


class AuditEntry(Base):
    """审计日志（只追加）：谁、何时、做了什么、对象、结果、客户端 IP，HMAC-SM3 链式校验。

    `seq` is assigned gap-free under the head row's lock; `hash` = HMAC-SM3(key, prev_hash ||
    canonical row), so an altered, inserted or deleted row breaks the chain (`ykt audit verify`).
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    actor_region: Mapped[str | None] = mapped_column(RegionCode, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """链头（单行）：最后一条的序号与摘要，及其 MAC —— 删除链尾也能被发现。"""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
