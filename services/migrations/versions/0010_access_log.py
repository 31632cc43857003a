"""public-service channel analytics (seed 5.2): the access log of every API and H5 request

Revision ID: 0010_access_log
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_access_log"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_token", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("module", sa.String(20), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("endpoint", sa.String(200), nullable=False),
        sa.Column("operation", sa.String(60), nullable=False),
        sa.Column("object_id", sa.String(32), nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("result", sa.String(3), nullable=False),
        sa.Column("error_code", sa.String(40), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("ip_masked", sa.String(48), nullable=True),
        sa.Column("county_code", sa.String(6), nullable=True),
        sa.Column("place", sa.String(20), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    # append-only and read by time (incremental extraction on `at`): BRIN is tiny and cheap to keep
    op.create_index("ix_access_log_at_brin", "access_log", ["at"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_access_log_at_brin", table_name="access_log")
    op.drop_table("access_log")
