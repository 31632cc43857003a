"""platform capabilities (issue 6): partner systems, their nonces, managed keys, knowledge-base revisions

Revision ID: 0005_capabilities
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_capabilities"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "capability_partner",
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("credential", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("registered_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_capability_partner")),
    )
    op.create_index(
        op.f("ix_capability_partner_region_code"), "capability_partner", ["region_code"], unique=False
    )
    op.create_table(
        "capability_nonce",
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "nonce", name=op.f("pk_capability_nonce")),
    )
    op.create_index(op.f("ix_capability_nonce_expires_at"), "capability_nonce", ["expires_at"], unique=False)
    op.create_table(
        "capability_key",
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("retired_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_capability_key")),
    )
    op.create_index(op.f("ix_capability_key_partner_id"), "capability_key", ["partner_id"], unique=False)
    op.create_table(
        "knowledge_item",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("questions", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_item")),
    )


def downgrade() -> None:
    op.drop_table("knowledge_item")
    op.drop_index(op.f("ix_capability_key_partner_id"), table_name="capability_key")
    op.drop_table("capability_key")
    op.drop_index(op.f("ix_capability_nonce_expires_at"), table_name="capability_nonce")
    op.drop_table("capability_nonce")
    op.drop_index(op.f("ix_capability_partner_region_code"), table_name="capability_partner")
    op.drop_table("capability_partner")
