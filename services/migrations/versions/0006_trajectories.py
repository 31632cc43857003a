"""precision service (issue 7, part 2): strategy runs and their target lists with outcomes

Revision ID: 0006_trajectories
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_trajectories"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_REGION = sa.String(length=12, collation="C")


def upgrade() -> None:
    op.create_table(
        "precision_strategy_run",
        sa.Column("run_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("strategy_id", sa.String(40), nullable=False),
        sa.Column("strategy_name", sa.String(40), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("targets", sa.Integer(), nullable=False),
        sa.Column("enqueued", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("run_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_precision_strategy_run")),
        sa.UniqueConstraint(
            "strategy_id", "as_of_date", name=op.f("uq_precision_strategy_run_strategy_id_as_of_date")
        ),
    )
    op.create_index(op.f("ix_precision_strategy_run_as_of_date"), "precision_strategy_run", ["as_of_date"])
    op.create_table(
        "precision_target",
        sa.Column("target_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("strategy_id", sa.String(40), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("person_token", sa.String(64), nullable=False),
        sa.Column("id_masked", sa.String(32), nullable=True),
        sa.Column("name_masked", sa.String(32), nullable=True),
        sa.Column("county_code", _REGION, nullable=True),
        sa.Column("subject", sa.String(40), nullable=True),
        sa.Column("basis_on", sa.Date(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("message_id", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(4), nullable=False),
        sa.Column("acted_on", sa.Date(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["precision_strategy_run.run_id"],
            name=op.f("fk_precision_target_run_id_precision_strategy_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("target_id", name=op.f("pk_precision_target")),
        sa.UniqueConstraint("run_id", "person_token", name=op.f("uq_precision_target_run_id_person_token")),
    )
    op.create_index("ix_precision_target_outcome_open", "precision_target", ["outcome", "as_of_date"])
    op.create_index(op.f("ix_precision_target_person_token"), "precision_target", ["person_token"])
    op.create_index(op.f("ix_precision_target_county_code"), "precision_target", ["county_code"])


def downgrade() -> None:
    op.drop_table("precision_target")
    op.drop_table("precision_strategy_run")
