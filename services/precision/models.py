"""精准服务的运行记录与目标名单（ops 库）：只存令牌、掩码与代码。"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import RegionCode, Timestamp


class StrategyRun(Base):
    """服务策略的一次运行：一个策略一个业务日期只运行一次（唯一约束保证幂等）。"""

    __tablename__ = "precision_strategy_run"
    __table_args__ = (UniqueConstraint("strategy_id", "as_of_date"),)

    run_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    strategy_id: Mapped[str] = mapped_column(String(40))
    strategy_name: Mapped[str] = mapped_column(String(40))
    as_of_date: Mapped[date] = mapped_column(Date, index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    targets: Mapped[int] = mapped_column(Integer)
    enqueued: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    run_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class StrategyTarget(Base):
    """目标名单中的一人：推送的待办消息、成效（待观察 / 已办理 / 未办理）与办理日期。"""

    __tablename__ = "precision_target"
    __table_args__ = (
        UniqueConstraint("run_id", "person_token"),
        Index("ix_precision_target_outcome_open", "outcome", "as_of_date"),
    )

    target_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("precision_strategy_run.run_id", ondelete="CASCADE")
    )
    strategy_id: Mapped[str] = mapped_column(String(40))
    as_of_date: Mapped[date] = mapped_column(Date)
    person_token: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(32))
    name_masked: Mapped[str | None] = mapped_column(String(32))
    county_code: Mapped[str | None] = mapped_column(RegionCode, index=True)
    subject: Mapped[str | None] = mapped_column(String(40))
    basis_on: Mapped[date | None] = mapped_column(Date)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(4), default="待观察")
    acted_on: Mapped[date | None] = mapped_column(Date)
    checked_on: Mapped[date | None] = mapped_column(Date)
