"""terminal monitoring (seed 2.2, 2.3): self-checks and their items, device logs, current state,
state history, alarms (one open per device and kind), work orders and repair records

Revision ID: 0002_terminal_monitoring
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_terminal_monitoring"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "terminal_alarm",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("alarm_type", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=4), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(length=32), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clear_reason", sa.String(length=200), nullable=True),
        sa.Column("work_order_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_terminal_alarm_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_alarm")),
    )
    op.create_index(
        "ix_terminal_alarm_device_raised", "terminal_alarm", ["device_id", "raised_at"], unique=False
    )
    op.create_index(op.f("ix_terminal_alarm_status"), "terminal_alarm", ["status"], unique=False)
    op.create_index(
        "uq_terminal_alarm_open",
        "terminal_alarm",
        ["device_id", "alarm_type"],
        unique=True,
        postgresql_where=sa.text("status <> '已清除'"),
    )
    op.create_table(
        "terminal_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=5), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_terminal_log_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_log")),
    )
    op.create_index("ix_terminal_log_device_logged", "terminal_log", ["device_id", "logged_at"], unique=False)
    op.create_index(op.f("ix_terminal_log_logged_at"), "terminal_log", ["logged_at"], unique=False)
    op.create_table(
        "terminal_selfcheck",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("failed_count", sa.SmallInteger(), nullable=False),
        sa.Column("software_version", sa.String(length=32), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_terminal_selfcheck_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_selfcheck")),
    )
    op.create_index(
        op.f("ix_terminal_selfcheck_checked_at"), "terminal_selfcheck", ["checked_at"], unique=False
    )
    op.create_index(
        "ix_terminal_selfcheck_device_checked",
        "terminal_selfcheck",
        ["device_id", "checked_at"],
        unique=False,
    )
    op.create_table(
        "terminal_state",
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("running_state", sa.String(length=4), nullable=False),
        sa.Column("faults", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("software_version", sa.String(length=32), nullable=True),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("online_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("running_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_terminal_state_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_terminal_state")),
    )
    op.create_index(
        "ix_terminal_state_online_heartbeat", "terminal_state", ["online", "last_heartbeat_at"], unique=False
    )
    op.create_table(
        "terminal_state_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("from_state", sa.String(length=4), nullable=True),
        sa.Column("to_state", sa.String(length=4), nullable=False),
        sa.Column("faults", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cause", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_terminal_state_change_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_state_change")),
    )
    op.create_index(
        "ix_terminal_state_change_device_at", "terminal_state_change", ["device_id", "at"], unique=False
    )
    op.create_table(
        "terminal_selfcheck_item",
        sa.Column("selfcheck_id", sa.BigInteger(), nullable=False),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=True),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("message", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["selfcheck_id"],
            ["terminal_selfcheck.id"],
            name=op.f("fk_terminal_selfcheck_item_selfcheck_id_terminal_selfcheck"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("selfcheck_id", "component", name=op.f("pk_terminal_selfcheck_item")),
    )
    op.create_index(
        "ix_terminal_selfcheck_item_component",
        "terminal_selfcheck_item",
        ["component", "checked_at"],
        unique=False,
    )
    op.create_table(
        "terminal_work_order",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("alarm_id", sa.BigInteger(), nullable=True),
        sa.Column("fault", sa.String(length=300), nullable=False),
        sa.Column("assignee", sa.String(length=50), nullable=False),
        sa.Column("assignee_phone", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["alarm_id"], ["terminal_alarm.id"], name=op.f("fk_terminal_work_order_alarm_id_terminal_alarm")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_terminal_work_order_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_work_order")),
        sa.UniqueConstraint("alarm_id", name=op.f("uq_terminal_work_order_alarm_id")),
    )
    op.create_index(
        "ix_terminal_work_order_device_created",
        "terminal_work_order",
        ["device_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_terminal_work_order_status"), "terminal_work_order", ["status"], unique=False)
    op.create_table(
        "terminal_repair_record",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("work_order_id", sa.BigInteger(), nullable=False),
        sa.Column("repairer", sa.String(length=50), nullable=False),
        sa.Column("repaired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=500), nullable=False),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["terminal_work_order.id"],
            name=op.f("fk_terminal_repair_record_work_order_id_terminal_work_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_repair_record")),
    )
    op.create_index(
        op.f("ix_terminal_repair_record_work_order_id"),
        "terminal_repair_record",
        ["work_order_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_terminal_repair_record_work_order_id"), table_name="terminal_repair_record")
    op.drop_table("terminal_repair_record")
    op.drop_index(op.f("ix_terminal_work_order_status"), table_name="terminal_work_order")
    op.drop_index("ix_terminal_work_order_device_created", table_name="terminal_work_order")
    op.drop_table("terminal_work_order")
    op.drop_index("ix_terminal_selfcheck_item_component", table_name="terminal_selfcheck_item")
    op.drop_table("terminal_selfcheck_item")
    op.drop_index("ix_terminal_state_change_device_at", table_name="terminal_state_change")
    op.drop_table("terminal_state_change")
    op.drop_index("ix_terminal_state_online_heartbeat", table_name="terminal_state")
    op.drop_table("terminal_state")
    op.drop_index("ix_terminal_selfcheck_device_checked", table_name="terminal_selfcheck")
    op.drop_index(op.f("ix_terminal_selfcheck_checked_at"), table_name="terminal_selfcheck")
    op.drop_table("terminal_selfcheck")
    op.drop_index(op.f("ix_terminal_log_logged_at"), table_name="terminal_log")
    op.drop_index("ix_terminal_log_device_logged", table_name="terminal_log")
    op.drop_table("terminal_log")
    op.drop_index(
        "uq_terminal_alarm_open", table_name="terminal_alarm", postgresql_where=sa.text("status <> '已清除'")
    )
    op.drop_index(op.f("ix_terminal_alarm_status"), table_name="terminal_alarm")
    op.drop_index("ix_terminal_alarm_device_raised", table_name="terminal_alarm")
    op.drop_table("terminal_alarm")
