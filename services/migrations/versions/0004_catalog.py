"""catalog: data resource catalog, change history, access requests, grants, sharing deliveries (issue 8)

Revision ID: 0004_catalog
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_catalog"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON = postgresql.JSONB(astext_type=sa.Text())


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False)


def upgrade() -> None:
    op.create_table(
        "catalog_entry",
        _id(),
        sa.Column("key", sa.String(length=120, collation="C"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("sensitivity", sa.String(length=16), nullable=False),
        sa.Column("openness", sa.String(length=8), nullable=False),
        sa.Column("update_frequency", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("upstream", JSON, nullable=False),
        sa.Column("edited", JSON, nullable=False),
        sa.Column("registered_from", sa.String(length=120), nullable=False),
        sa.Column("synced_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_entry")),
        sa.UniqueConstraint("key", name=op.f("uq_catalog_entry_key")),
    )
    for column in ("kind", "sensitivity", "openness"):
        op.create_index(op.f(f"ix_catalog_entry_{column}"), "catalog_entry", [column], unique=False)
    op.create_table(
        "catalog_change",
        _id(),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_catalog_change_entry_id_catalog_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_change")),
    )
    op.create_index(op.f("ix_catalog_change_entry_id"), "catalog_change", ["entry_id"], unique=False)
    op.create_table(
        "catalog_request",
        _id(),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("department_name", sa.String(length=64), nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_catalog_request_entry_id_catalog_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_request")),
    )
    op.create_index(op.f("ix_catalog_request_entry_id"), "catalog_request", ["entry_id"], unique=False)
    op.create_index("ix_catalog_request_status_id", "catalog_request", ["status", "id"], unique=False)
    op.create_table(
        "catalog_grant",
        _id(),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entry.id"],
            name=op.f("fk_catalog_grant_entry_id_catalog_entry"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["catalog_request.id"],
            name=op.f("fk_catalog_grant_request_id_catalog_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_grant")),
        sa.UniqueConstraint("request_id", name=op.f("uq_catalog_grant_request_id")),
    )
    op.create_index(op.f("ix_catalog_grant_department"), "catalog_grant", ["department"], unique=False)
    op.create_index(op.f("ix_catalog_grant_entry_id"), "catalog_grant", ["entry_id"], unique=False)
    op.create_table(
        "catalog_delivery",
        _id(),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("manifest_sm3", sa.String(length=64), nullable=False),
        sa.Column("files", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("receipt", JSON, nullable=False),
        sa.Column("delivered_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_delivery")),
        sa.UniqueConstraint(
            "department", "business_date", name=op.f("uq_catalog_delivery_department_business_date")
        ),
    )


def downgrade() -> None:
    for table in ("catalog_delivery", "catalog_grant", "catalog_request", "catalog_change", "catalog_entry"):
        op.drop_table(table)
