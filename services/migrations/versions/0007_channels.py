"""channel access (issue 6, second part): channels, resident sessions, applications, timeline, outbox

Revision ID: 0007_channels
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_channels"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_REGION = sa.String(length=12, collation="C")


def upgrade() -> None:
    op.create_table(
        "channel",
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("channel_class", sa.String(10), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.String(32), nullable=True),
        sa.Column("region_code", _REGION, nullable=False),
        sa.Column("idp_public_key", sa.String(128), nullable=False),
        sa.Column("push_url", sa.String(200), nullable=True),
        sa.Column("rate_limit_per_min", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(4), nullable=False),
        sa.Column("registered_by", sa.String(32), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel")),
    )
    op.create_index(op.f("ix_channel_region_code"), "channel", ["region_code"])
    op.create_table(
        "channel_resident_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("assertion_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("person_token", sa.String(64), nullable=False),
        sa.Column("id_cipher", sa.Text(), nullable=False),
        sa.Column("id_masked", sa.String(32), nullable=False),
        sa.Column("name_cipher", sa.Text(), nullable=False),
        sa.Column("name_masked", sa.String(32), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_channel_resident_session")),
        sa.UniqueConstraint("assertion_id", name=op.f("uq_channel_resident_session_assertion_id")),
    )
    for column in ("channel_id", "person_token", "created_at"):
        op.create_index(op.f(f"ix_channel_resident_session_{column}"), "channel_resident_session", [column])
    op.create_table(
        "channel_application",
        sa.Column("application_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("business", sa.String(8), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("region_code", _REGION, nullable=False),
        sa.Column("person_token", sa.String(64), nullable=False),
        sa.Column("id_masked", sa.String(32), nullable=False),
        sa.Column("name_masked", sa.String(32), nullable=False),
        sa.Column("form_cipher", sa.Text(), nullable=False),
        sa.Column("form_public", sa.JSON(), nullable=False),
        sa.Column("card_no", sa.String(12), nullable=True),
        sa.Column("province_ref", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_channel_application")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_channel_application_idempotency_key")),
    )
    op.create_index(op.f("ix_channel_application_channel_id"), "channel_application", ["channel_id"])
    op.create_index(op.f("ix_channel_application_region_code"), "channel_application", ["region_code"])
    op.create_index(
        "uq_channel_application_open_person",
        "channel_application",
        ["person_token"],
        unique=True,
        postgresql_where=sa.text("open"),
    )
    op.create_table(
        "channel_application_event",
        sa.Column("event_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("from_state", sa.String(8), nullable=True),
        sa.Column("to_state", sa.String(8), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_channel_application_event")),
    )
    op.create_index(
        op.f("ix_channel_application_event_application_id"), "channel_application_event", ["application_id"]
    )
    op.create_table(
        "channel_outbox",
        sa.Column("message_id", sa.String(40), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(4), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_channel_outbox")),
    )
    op.create_index(op.f("ix_channel_outbox_channel_id"), "channel_outbox", ["channel_id"])
    op.create_index(op.f("ix_channel_outbox_next_attempt_at"), "channel_outbox", ["next_attempt_at"])


def downgrade() -> None:
    for table in (
        "channel_outbox",
        "channel_application_event",
        "channel_application",
        "channel_resident_session",
        "channel",
    ):
        op.drop_table(table)
