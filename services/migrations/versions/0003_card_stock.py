"""card stock, finished cards, issuance, production batches and write-back (seed 2.4)

Revision ID: 0003_card_stock
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_card_stock"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_batch",
        sa.Column("batch_no", sa.String(length=16), nullable=False),
        sa.Column("bank_code", sa.String(length=3), nullable=True),
        sa.Column("bank_name", sa.String(length=50), nullable=True),
        sa.Column("card_count", sa.Integer(), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("city_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_by", sa.String(length=32), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_no", name=op.f("pk_card_batch")),
    )
    op.create_table(
        "card_batch_item",
        sa.Column("batch_no", sa.String(length=16), nullable=False),
        sa.Column("card_no", sa.String(length=9), nullable=False),
        sa.Column("holder_id_token", sa.String(length=64), nullable=True),
        sa.Column("holder_id_cipher", sa.Text(), nullable=True),
        sa.Column("holder_id_masked", sa.String(length=18), nullable=True),
        sa.Column("holder_name_cipher", sa.Text(), nullable=True),
        sa.Column("holder_name_masked", sa.String(length=50), nullable=True),
        sa.Column("box_position", sa.String(length=20), nullable=True),
        sa.Column("outlet_code", sa.String(length=12, collation="C"), nullable=True),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("send_address", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_no"],
            ["card_batch.batch_no"],
            name=op.f("fk_card_batch_item_batch_no_card_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_no", "card_no", name=op.f("pk_card_batch_item")),
    )
    op.create_index(
        op.f("ix_card_batch_item_holder_id_token"), "card_batch_item", ["holder_id_token"], unique=False
    )
    op.create_index(op.f("ix_card_batch_item_region_code"), "card_batch_item", ["region_code"], unique=False)
    op.create_table(
        "card_blank_addition",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("outlet_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("remark", sa.String(length=100), nullable=True),
        sa.Column("operator", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_card_blank_addition_positive")),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_card_blank_addition_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_blank_addition")),
    )
    op.create_index(
        op.f("ix_card_blank_addition_added_at"), "card_blank_addition", ["added_at"], unique=False
    )
    op.create_index(
        op.f("ix_card_blank_addition_device_id"), "card_blank_addition", ["device_id"], unique=False
    )
    op.create_index(
        op.f("ix_card_blank_addition_region_code"), "card_blank_addition", ["region_code"], unique=False
    )
    op.create_table(
        "card_blank_stock",
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("added_total", sa.Integer(), nullable=False),
        sa.Column("used_total", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "added_total >= 0 and used_total >= 0 and used_total <= added_total",
            name=op.f("ck_card_blank_stock_balance"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_card_blank_stock_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_card_blank_stock")),
    )
    op.create_table(
        "card_blank_usage",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("outlet_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("usage", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("card_no", sa.String(length=9), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_card_blank_usage_positive")),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_card_blank_usage_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_blank_usage")),
        sa.UniqueConstraint("device_id", "event_id", name=op.f("uq_card_blank_usage_device_id_event_id")),
    )
    op.create_index(
        "ix_card_blank_usage_region_time", "card_blank_usage", ["region_code", "occurred_at"], unique=False
    )
    op.create_table(
        "card_finished",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("card_no", sa.String(length=9), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("outlet_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("batch_no", sa.String(length=16), nullable=True),
        sa.Column("box_position", sa.String(length=20), nullable=True),
        sa.Column("holder_id_token", sa.String(length=64), nullable=False),
        sa.Column("holder_id_cipher", sa.Text(), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=18), nullable=False),
        sa.Column("holder_name_cipher", sa.Text(), nullable=False),
        sa.Column("holder_name_masked", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=4), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("picked_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pickup_by", sa.String(length=2), nullable=True),
        sa.Column("failure_reason", sa.String(length=100), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(state = '领卡成功') = (picked_up_at is not null)", name=op.f("ck_card_finished_out_time")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_card_finished_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_finished")),
        sa.UniqueConstraint("card_no", name=op.f("uq_card_finished_card_no")),
    )
    op.create_index(op.f("ix_card_finished_read_at"), "card_finished", ["read_at"], unique=False)
    op.create_index(op.f("ix_card_finished_device_id"), "card_finished", ["device_id"], unique=False)
    op.create_index(
        op.f("ix_card_finished_holder_id_token"), "card_finished", ["holder_id_token"], unique=False
    )
    op.create_index("ix_card_finished_region_state", "card_finished", ["region_code", "state"], unique=False)
    op.create_table(
        "card_issuance",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("outlet_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("issue_type", sa.String(length=2), nullable=False),
        sa.Column("card_no", sa.String(length=9), nullable=False),
        sa.Column("old_card_no", sa.String(length=9), nullable=True),
        sa.Column("holder_id_token", sa.String(length=64), nullable=False),
        sa.Column("holder_id_cipher", sa.Text(), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=18), nullable=False),
        sa.Column("holder_name_cipher", sa.Text(), nullable=False),
        sa.Column("holder_name_masked", sa.String(length=50), nullable=False),
        sa.Column("pickup_by", sa.String(length=2), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_card_issuance_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_issuance")),
        sa.UniqueConstraint("device_id", "event_id", name=op.f("uq_card_issuance_device_id_event_id")),
    )
    op.create_index(op.f("ix_card_issuance_issued_at"), "card_issuance", ["issued_at"], unique=False)
    op.create_index(op.f("ix_card_issuance_card_no"), "card_issuance", ["card_no"], unique=False)
    op.create_index("ix_card_issuance_device_time", "card_issuance", ["device_id", "issued_at"], unique=False)
    op.create_index(
        op.f("ix_card_issuance_holder_id_token"), "card_issuance", ["holder_id_token"], unique=False
    )
    op.create_index(
        "ix_card_issuance_region_time", "card_issuance", ["region_code", "issued_at"], unique=False
    )
    op.create_table(
        "card_writeback",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("card_no", sa.String(length=9), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("outlet_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("bank_account_token", sa.String(length=64), nullable=False),
        sa.Column("bank_account_cipher", sa.Text(), nullable=False),
        sa.Column("bank_account_masked", sa.String(length=19), nullable=False),
        sa.Column("chip_no", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=4), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["terminal_device.device_id"],
            name=op.f("fk_card_writeback_device_id_terminal_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_writeback")),
        sa.UniqueConstraint("card_no", name=op.f("uq_card_writeback_card_no")),
    )
    op.create_index(op.f("ix_card_writeback_updated_at"), "card_writeback", ["updated_at"], unique=False)
    op.create_index(op.f("ix_card_writeback_device_id"), "card_writeback", ["device_id"], unique=False)
    op.create_index("ix_card_writeback_due", "card_writeback", ["state", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_card_writeback_region_code"), "card_writeback", ["region_code"], unique=False)
    op.create_table(
        "card_pickup",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("finished_card_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("pickup_by", sa.String(length=2), nullable=False),
        sa.Column("agent_id_token", sa.String(length=64), nullable=True),
        sa.Column("agent_id_cipher", sa.Text(), nullable=True),
        sa.Column("agent_id_masked", sa.String(length=18), nullable=True),
        sa.Column("agent_name_cipher", sa.Text(), nullable=True),
        sa.Column("agent_name_masked", sa.String(length=50), nullable=True),
        sa.Column("agent_phone_cipher", sa.Text(), nullable=True),
        sa.Column("agent_phone_masked", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finished_card_id"],
            ["card_finished.id"],
            name=op.f("fk_card_pickup_finished_card_id_card_finished"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_pickup")),
        sa.UniqueConstraint("device_id", "event_id", name=op.f("uq_card_pickup_device_id_event_id")),
    )
    op.create_index(
        op.f("ix_card_pickup_finished_card_id"), "card_pickup", ["finished_card_id"], unique=False
    )
    op.create_table(
        "card_writeback_attempt",
        sa.Column("writeback_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_no", sa.SmallInteger(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("operator", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=20), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("result", sa.String(length=4), nullable=False),
        sa.Column("error_code", sa.String(length=16), nullable=True),
        sa.Column("error_message", sa.String(length=200), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["writeback_id"],
            ["card_writeback.id"],
            name=op.f("fk_card_writeback_attempt_writeback_id_card_writeback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("writeback_id", "attempt_no", name=op.f("pk_card_writeback_attempt")),
        sa.UniqueConstraint(
            "device_id", "event_id", name=op.f("uq_card_writeback_attempt_device_id_event_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("card_writeback_attempt")
    op.drop_index(op.f("ix_card_pickup_finished_card_id"), table_name="card_pickup")
    op.drop_table("card_pickup")
    op.drop_index(op.f("ix_card_writeback_region_code"), table_name="card_writeback")
    op.drop_index("ix_card_writeback_due", table_name="card_writeback")
    op.drop_index(op.f("ix_card_writeback_device_id"), table_name="card_writeback")
    op.drop_index(op.f("ix_card_writeback_updated_at"), table_name="card_writeback")
    op.drop_table("card_writeback")
    op.drop_index("ix_card_issuance_region_time", table_name="card_issuance")
    op.drop_index(op.f("ix_card_issuance_holder_id_token"), table_name="card_issuance")
    op.drop_index("ix_card_issuance_device_time", table_name="card_issuance")
    op.drop_index(op.f("ix_card_issuance_card_no"), table_name="card_issuance")
    op.drop_index(op.f("ix_card_issuance_issued_at"), table_name="card_issuance")
    op.drop_table("card_issuance")
    op.drop_index("ix_card_finished_region_state", table_name="card_finished")
    op.drop_index(op.f("ix_card_finished_holder_id_token"), table_name="card_finished")
    op.drop_index(op.f("ix_card_finished_device_id"), table_name="card_finished")
    op.drop_index(op.f("ix_card_finished_read_at"), table_name="card_finished")
    op.drop_table("card_finished")
    op.drop_index("ix_card_blank_usage_region_time", table_name="card_blank_usage")
    op.drop_table("card_blank_usage")
    op.drop_table("card_blank_stock")
    op.drop_index(op.f("ix_card_blank_addition_region_code"), table_name="card_blank_addition")
    op.drop_index(op.f("ix_card_blank_addition_device_id"), table_name="card_blank_addition")
    op.drop_index(op.f("ix_card_blank_addition_added_at"), table_name="card_blank_addition")
    op.drop_table("card_blank_addition")
    op.drop_index(op.f("ix_card_batch_item_region_code"), table_name="card_batch_item")
    op.drop_index(op.f("ix_card_batch_item_holder_id_token"), table_name="card_batch_item")
    op.drop_table("card_batch_item")
    op.drop_table("card_batch")
