"""The analytics world the dbt and Superset tests share, built once per test process.

- `raw_loaded()`: the frozen `small` pipeline run (`raw_snapshot.py`) in `analytics.public` and
  `analytics.pipeline`.
- `kiosk_loaded()`: the kiosk fleet's history in schema `KIOSK_SCHEMA` of `analytics`, as the ops
  extraction would load it (`raw_ops_terminal_device`, `_selfcheck_item`, `_state_change`, `_alarm`,
  `raw_ops_card_blank_addition`, `_usage`: 30 simulated kiosks over every county, 60 days,
  `tests/pipeline/failure_history`), and the failure-prediction task run on it
  (`raw_terminal_failure_prediction` beside them).
- `marts_built()`: `dbt build` of every mart a Superset dataset reads, as of `AS_OF`, with the kiosk
  schema as `ops_schema` and `prediction_schema`: the marts the dashboards open on.

The snapshot's own `public` holds no `raw_ops_*` (the kiosk marts of the plain `dbt build` in
`tests/dbt/conftest.py` build empty), so the two builds differ only in the kiosk marts.
"""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta

import adbc_driver_postgresql.dbapi as adbc
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from tests.dbt import raw_snapshot
from tests.pipeline import failure_history as fleet

AS_OF = date(2026, 11, 27)  # the snapshot's business date (simulators.scales.ANCHOR)
KIOSK_SCHEMA = "kiosk_world"


@functools.cache
def raw_loaded() -> dict[str, int]:
    """`analytics.raw_*` and `analytics.pipeline.*` as one small pipeline run left them."""
    from yikatong import db

    db.ensure_databases(("analytics",))
    return raw_snapshot.load()


def fleet_devices() -> pa.Table:
    """The simulated fleet as `ops.terminal_device` rows (registered when the history starts)."""
    from simulators.kiosk_fleet import FleetOptions, build_kiosks

    kiosks = build_kiosks(FleetOptions(devices=fleet.DEVICES, seed=fleet.SEED))
    registered = fleet.END - timedelta(days=fleet.DAYS)
    return pa.Table.from_pylist(
        [
            {"device_id": k.device_id, "name": f"自助机{k.device_id}", "device_type": "自助制发卡一体机",
             "outlet_code": k.outlet_code, "region_code": k.outlet_code[:9], "status": "启用",
             "created_at": registered}
            for k in kiosks
        ]
    )  # fmt: skip


def _with_json(frame: pd.DataFrame, column: str) -> pa.Table:
    """``column`` (lists) as JSON text, as the ops extraction carries a jsonb column."""
    return pa.Table.from_pandas(frame.assign(**{column: frame[column].map(json.dumps)}), preserve_index=False)


def load_kiosk_tables(schema: str) -> None:
    """(Re)create ``schema`` with the fleet's devices, self-check items, state changes and alarms."""
    from yikatong import db

    history = fleet.history()
    tables = {
        "raw_ops_terminal_selfcheck_item": pa.Table.from_pandas(history.items, preserve_index=False),
        "raw_ops_terminal_state_change": _with_json(history.state_changes, "faults"),
        "raw_ops_terminal_alarm": pa.Table.from_pandas(history.alarms, preserve_index=False),
        "raw_ops_card_blank_addition": pa.Table.from_pandas(history.blank_additions, preserve_index=False),
        "raw_ops_card_blank_usage": pa.Table.from_pandas(history.blank_usages, preserve_index=False),
        "raw_ops_terminal_device": fleet_devices(),
    }
    with db.engine("analytics").begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {schema} cascade"))
        conn.execute(sa.text(f"create schema {schema}"))
    with adbc.connect(db.dsn("analytics")) as conn:
        with conn.cursor() as cur:
            for name, rows in tables.items():
                cur.adbc_ingest(name, rows, db_schema_name=schema)
        conn.commit()


@functools.cache
def kiosk_loaded():
    """The kiosk tables in `KIOSK_SCHEMA` and the prediction task's run on them."""
    from pipeline.failure_prediction import task

    load_kiosk_tables(KIOSK_SCHEMA)
    return task.run(AS_OF, schema=KIOSK_SCHEMA)


def dashboard_marts() -> list[str]:
    """Every mart a Superset dataset reads."""
    from superset_assets import declaration as decl

    return sorted({d.table for d in decl.DATASETS})


@functools.cache
def marts_built():
    """`dbt build` of the dashboards' marts (and everything upstream) on the snapshot and the fleet."""
    from pipeline import transform
    from tests.dbt import channel_world

    raw_loaded()
    kiosk_loaded()
    channel_world.load(KIOSK_SCHEMA, AS_OF)  # access log and gold portraits beside the kiosk tables
    variables = {"as_of": AS_OF.isoformat(), "ops_schema": KIOSK_SCHEMA, "prediction_schema": KIOSK_SCHEMA,
                 "gold_schema": KIOSK_SCHEMA}  # fmt: skip
    selection = [f"+{mart}" for mart in dashboard_marts()]
    args = ["build", "--select", *selection, "--indirect-selection", "cautious"]
    return transform.invoke([*args, "--vars", json.dumps(variables)])
