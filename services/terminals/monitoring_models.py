"""终端远程管理与监控的表（seed 2.2、2.3）：自检、设备日志、运行状态及其变化、告警、工单、维修记录。

Every row names its device by `device_id` (the immutable 设备编号); the region scope is applied
by joining `terminal_device`, so a device moved to another outlet takes its history with it.
Self-check results are tidy (one row per component per check) for the failure-prediction model.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import Timestamp

DEVICE_FK = "terminal_device.device_id"


class SelfCheck(Base):
    """自检记录：设备每次开机的自检（结果 通过 / 未通过，异常部件数）。"""

    __tablename__ = "terminal_selfcheck"
    __table_args__ = (Index("ix_terminal_selfcheck_device_checked", "device_id", "checked_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), ForeignKey(DEVICE_FK, ondelete="CASCADE"))
    checked_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    received_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    result: Mapped[str] = mapped_column(String(4))
    failed_count: Mapped[int] = mapped_column(SmallInteger)
    software_version: Mapped[str | None] = mapped_column(String(32))
    duration_ms: Mapped[int | None] = mapped_column(Integer)


class SelfCheckItem(Base):
    """自检明细：一次自检中一个部件的结果（整洁表，一行一部件）。"""

    __tablename__ = "terminal_selfcheck_item"
    __table_args__ = (Index("ix_terminal_selfcheck_item_component", "component", "checked_at"),)

    selfcheck_id: Mapped[int] = mapped_column(
        ForeignKey("terminal_selfcheck.id", ondelete="CASCADE"), primary_key=True
    )
    component: Mapped[str] = mapped_column(String(20), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20))
    checked_at: Mapped[datetime] = mapped_column(Timestamp)
    result: Mapped[str] = mapped_column(String(4))
    level: Mapped[int | None] = mapped_column(SmallInteger)
    value: Mapped[float | None] = mapped_column(Float)  # the part's measure (`components.VALUE_MEANING`)
    code: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(String(200))


class DeviceLog(Base):
    """设备日志：设备上传的日志行（级别、时间、内容）。"""

    __tablename__ = "terminal_log"
    __table_args__ = (Index("ix_terminal_log_device_logged", "device_id", "logged_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), ForeignKey(DEVICE_FK, ondelete="CASCADE"))
    logged_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    level: Mapped[str] = mapped_column(String(5))
    message: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class DeviceState(Base):
    """设备当前状态：在线 / 离线（心跳超时判定）、运行情况 正常 / 异常（及异常部件）。"""

    __tablename__ = "terminal_state"
    __table_args__ = (Index("ix_terminal_state_online_heartbeat", "online", "last_heartbeat_at"),)

    device_id: Mapped[str] = mapped_column(
        String(20), ForeignKey(DEVICE_FK, ondelete="CASCADE"), primary_key=True
    )
    online: Mapped[bool] = mapped_column(default=False)
    running_state: Mapped[str] = mapped_column(String(4), default="未知")
    faults: Mapped[list] = mapped_column(JSONB, default=list)
    components: Mapped[dict | None] = mapped_column(JSONB)
    software_version: Mapped[str | None] = mapped_column(String(32))
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    device_time: Mapped[datetime | None] = mapped_column(Timestamp)  # the kiosk's clock at that heartbeat
    online_changed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    running_changed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class StateChange(Base):
    """状态变化历史：每一次在线状态或运行情况（含异常部件）的变化。"""

    __tablename__ = "terminal_state_change"
    __table_args__ = (Index("ix_terminal_state_change_device_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), ForeignKey(DEVICE_FK, ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(Timestamp)
    kind: Mapped[str] = mapped_column(String(8))
    from_state: Mapped[str | None] = mapped_column(String(4))
    to_state: Mapped[str] = mapped_column(String(4))
    faults: Mapped[list] = mapped_column(JSONB, default=list)
    cause: Mapped[str] = mapped_column(String(8))


class Alarm(Base):
    """告警：状态变化时产生（级别 严重 / 一般 / 提示），可确认、清除，部件恢复时自动清除。"""

    __tablename__ = "terminal_alarm"
    __table_args__ = (
        Index("ix_terminal_alarm_device_raised", "device_id", "raised_at"),
        # at most one alarm still open per device and kind, even with several workers
        Index(
            "uq_terminal_alarm_open",
            "device_id",
            "alarm_type",
            unique=True,
            postgresql_where=text("status <> '已清除'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), ForeignKey(DEVICE_FK, ondelete="CASCADE"))
    alarm_type: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(4))
    message: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(4), default="未处理", index=True)
    raised_at: Mapped[datetime] = mapped_column(Timestamp)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None] = mapped_column(Timestamp)
    cleared_by: Mapped[str | None] = mapped_column(String(32))
    cleared_at: Mapped[datetime | None] = mapped_column(Timestamp)
    clear_reason: Mapped[str | None] = mapped_column(String(200))
    work_order_id: Mapped[int | None] = mapped_column(BigInteger)


class WorkOrder(Base):
    """维修工单：故障派单 → 维修记录 → 关闭（已派单 / 维修中 / 已修复 / 已关闭）。"""

    __tablename__ = "terminal_work_order"
    __table_args__ = (Index("ix_terminal_work_order_device_created", "device_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(20), ForeignKey(DEVICE_FK, ondelete="CASCADE"))
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("terminal_alarm.id"), unique=True)
    fault: Mapped[str] = mapped_column(String(300))
    assignee: Mapped[str] = mapped_column(String(50))
    assignee_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(4), default="已派单", index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    close_note: Mapped[str | None] = mapped_column(String(300))


class RepairRecord(Base):
    """维修记录：一次上门维修（维修人、时间、处理内容、结果 已修复 / 未修复）。"""

    __tablename__ = "terminal_repair_record"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("terminal_work_order.id", ondelete="CASCADE"), index=True
    )
    repairer: Mapped[str] = mapped_column(String(50))
    repaired_at: Mapped[datetime] = mapped_column(Timestamp)
    action: Mapped[str] = mapped_column(String(500))
    result: Mapped[str] = mapped_column(String(4))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
