"""发布到分析库：全部运行的目标与成效 → ``analytics.raw_precision_target``（整表替换，一个事务）。

The dbt mart ``mart_precision_service`` (问题卡精准服务监控大屏) counts from this copy. Tokens,
codes, dates and outcomes only: no masks, no names (the mart only counts).
"""

from __future__ import annotations

from datetime import timedelta

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import sqlalchemy as sa

from pipeline.load import replace_table
from services.base.db import database_name
from services.precision.strategies import STRATEGIES
from yikatong import db

TABLE = "raw_precision_target"
SCHEMA = pa.schema([
    ("run_id", pa.int64()), ("strategy_id", pa.string()), ("strategy_name", pa.string()),
    ("as_of_date", pa.date32()), ("due_on", pa.date32()), ("channel_id", pa.string()),
    ("person_token", pa.string()), ("county_code", pa.string()), ("is_delivered", pa.bool_()),
    ("outcome", pa.string()), ("acted_on", pa.date32()), ("checked_on", pa.date32()),
])  # fmt: skip
_ROWS = sa.text(
    "select t.run_id, t.strategy_id, r.strategy_name, t.as_of_date, r.channel_id, t.person_token, "
    "t.county_code, t.message_id is not null as is_delivered, t.outcome, t.acted_on, t.checked_on "
    "from precision_target as t join precision_strategy_run as r using (run_id) order by t.target_id"
)


def rows() -> pa.Table:
    """Every target of every run, with its due date (``as_of`` + the strategy's N days)."""
    with db.engine(database_name()).connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(_ROWS)]
    for row in found:
        strategy = STRATEGIES.get(row["strategy_id"])
        row["due_on"] = row["as_of_date"] + timedelta(days=strategy.outcome_days) if strategy else None
    return pa.Table.from_pylist(found, schema=SCHEMA)


def run() -> int:
    """Replace the analytics copy; rows written."""
    with adbc.connect(db.dsn("analytics")) as conn:
        return replace_table(conn, TABLE, rows())
