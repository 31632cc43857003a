"""The kiosks' history in `analytics`: self-check items (开机自检明细) and alarms (设备告警).

Both tables arrive through the pipeline (`ops.terminal_selfcheck_item`, `ops.terminal_alarm` →
silver → `public.raw_ops_*`). A table that has not been loaded yet reads as zero rows. The
measured value of a warning is the item's numeric `value` when the kiosks send one, otherwise the
number in its message ("读卡重试 12 次", "丢包率 18%").
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

SCHEMA = "public"
SELFCHECKS = "raw_ops_terminal_selfcheck_item"
ALARMS = "raw_ops_terminal_alarm"
CHECK_COLUMNS = ["device_id", "component", "checked_at", "result", "code", "value"]
ALARM_COLUMNS = ["device_id", "alarm_type", "raised_at"]


def _columns(conn: sa.Connection, schema: str, table: str) -> set[str]:
    found = conn.execute(
        sa.text(
            "select column_name from information_schema.columns "
            "where table_schema = :schema and table_name = :table"
        ),
        {"schema": schema, "table": table},
    )
    return {row[0] for row in found}


def selfcheck_items(conn: sa.Connection, schema: str = SCHEMA) -> pd.DataFrame:
    """One row per component per self-check: device, component, time (UTC), 正常/异常, code, value."""
    columns = _columns(conn, schema, SELFCHECKS)
    if not columns:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    parsed = "substring(message from '([0-9]+(?:\\.[0-9]+)?)')::float8"
    value = f"coalesce(value::float8, {parsed})" if "value" in columns else parsed
    query = (
        f"select device_id, component, checked_at, result, code, {value} as value "
        f"from {schema}.{SELFCHECKS} order by device_id, component, checked_at"
    )
    return pd.read_sql_query(sa.text(query), conn)


def alarms(conn: sa.Connection, schema: str = SCHEMA) -> pd.DataFrame:
    """One row per alarm raised: device, alarm type (a component code or `offline`), time (UTC)."""
    if not _columns(conn, schema, ALARMS):
        return pd.DataFrame(columns=ALARM_COLUMNS)
    query = f"select device_id, alarm_type, raised_at from {schema}.{ALARMS} order by device_id, raised_at"
    return pd.read_sql_query(sa.text(query), conn)
