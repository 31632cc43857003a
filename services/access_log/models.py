"""访问记录表 `access_log`: one row per API or H5 request (no plain personal data, IPs masked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base
from services.base.models import Timestamp


class AccessLog(Base):
    """访问记录: 主体类别与令牌、渠道、时间、接口（路由模板）、操作、结果、耗时、掩码 IP、粗略地点。

    `actor_token` is never a plain ID: a resident's blind index (`person_token`), a staff user's
    `staff:<id>`, a kiosk's device ID or a partner's ID. The table is append-only and read by time
    (the pipeline extracts it incrementally on `at`), so a BRIN index on `at` keeps writes cheap.
    """

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_at_brin", "at", postgresql_using="brin"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_token: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    module: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(8))
    endpoint: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[int] = mapped_column(SmallInteger)
    result: Mapped[str] = mapped_column(String(3))  # status class: 2xx, 3xx, 4xx, 5xx
    error_code: Mapped[str | None] = mapped_column(String(40))  # the `code` of a {code, message, detail}
    latency_ms: Mapped[float] = mapped_column(Float)
    ip_masked: Mapped[str | None] = mapped_column(String(48))
    county_code: Mapped[str | None] = mapped_column(String(6))
    place: Mapped[str | None] = mapped_column(String(20))
    request_id: Mapped[str | None] = mapped_column(String(64))
