"""terminal values: a numeric reading per self-check item (`value`), the kiosk's clock at its last
heartbeat (`terminal_state.device_time`); and the daily statistics table `card_stats_daily`, kept
by insert triggers on the card event tables (needs the cards branch, hence `depends_on`)

Revision ID: 0008_terminal_values
Revises: 0002_terminal_monitoring
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_terminal_values"
down_revision = "0002_terminal_monitoring"
branch_labels = None
depends_on = "0003_card_stock"

DAY = "(({column}) at time zone 'Asia/Shanghai')::date"
# table -> (time column, the daily columns, their aggregates over the inserted rows)
SOURCES = {
    "card_issuance": (
        "issued_at",
        ("issued", "pickups", "replacements", "exchanges"),
        "count(*), count(*) filter (where issue_type = '领卡'), count(*) filter (where issue_type = '补卡'),"
        " count(*) filter (where issue_type = '换卡')",
    ),
    "card_blank_addition": ("added_at", ("blank_added",), "sum(quantity)"),
    "card_blank_usage": (
        "occurred_at",
        ("blank_used", "waste"),
        "sum(quantity), coalesce(sum(quantity) filter (where usage = '废卡'), 0)",
    ),
}


def _upsert(source: str, rows: str) -> str:
    """INSERT … SELECT of `rows` (a table or transition table) into the daily table, summing."""
    column, targets, aggregates = SOURCES[source]
    names = ", ".join(targets)
    adds = ", ".join(f"{t} = card_stats_daily.{t} + excluded.{t}" for t in targets)
    return (
        f"insert into card_stats_daily (day, outlet_code, region_code, {names}) "
        f"select {DAY.format(column=column)}, outlet_code, region_code, {aggregates} from {rows} "
        f"group by 1, 2, 3 on conflict (day, outlet_code, region_code) do update set {adds}"
    )


def upgrade() -> None:
    op.add_column("terminal_selfcheck_item", sa.Column("value", sa.Float(), nullable=True))
    op.add_column("terminal_state", sa.Column("device_time", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "card_stats_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outlet_code", sa.String(length=12, collation="C"), nullable=False),
        sa.Column("region_code", sa.String(length=12, collation="C"), nullable=False),
        *[
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in ("issued", "pickups", "replacements", "exchanges")
        ],
        *[
            sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
            for name in ("blank_added", "blank_used", "waste")
        ],
        sa.PrimaryKeyConstraint("day", "outlet_code", "region_code", name=op.f("pk_card_stats_daily")),
    )
    op.create_index("ix_card_stats_daily_region_day", "card_stats_daily", ["region_code", "day"])
    for source in SOURCES:
        op.execute(_upsert(source, source))  # the rows already there
        op.execute(
            f"create function {source}_daily() returns trigger language plpgsql as $$ "
            f"begin {_upsert(source, 'added')}; return null; end $$"
        )
        op.execute(
            f"create trigger {source}_daily after insert on {source} "
            f"referencing new table as added for each statement execute function {source}_daily()"
        )


def downgrade() -> None:
    for source in SOURCES:
        op.execute(f"drop trigger if exists {source}_daily on {source}")
        op.execute(f"drop function if exists {source}_daily()")
    op.drop_table("card_stats_daily")
    op.drop_column("terminal_state", "device_time")
    op.drop_column("terminal_selfcheck_item", "value")
