"""The analytics world the dbt and Superset tests share, built once per test process.

- `raw_loaded()`: the frozen `small` pipeline run (`raw_snapshot.py`) in `analytics.public` and
  `analytics.pipeline`.
- `kiosk_loaded()`: the kiosk fleet's history in schema `KIOSK_SCHEMA` of `analytics`, as the ops
  extraction would load it (`raw_ops_terminal_device`, `_selfcheck_item`, `_state_change`, `_alarm`,
  `raw_ops_card_blank_addition`, `_usage`: 30 simulated kiosks over every county, 60 days,
  `tests/pipeline/failure_history`), and the failure-prediction task run on it
  (`raw_terminal_failure_prediction` beside them).
- `precision_published()`: the precision-service strategies run as the Airflow DAG runs them
  (`python -m services.precision.cli run --as-of D`) on `PRECISION_DAYS`, on their own services
  database `PRECISION_DATABASE` with channel 天府通办 registered for the outbox, which publishes the
  target lists and outcomes to `analytics.public.raw_precision_target`.
- `marts_built()`: `dbt build` of every mart a Superset dataset reads, as of `AS_OF`, with the kiosk
  schema as `ops_schema` and `prediction_schema`: the marts the dashboards open on (with
  `mart_precision_service` counted from the published target lists).

The snapshot's own `public` holds no `raw_ops_*` (the kiosk marts of the plain `dbt build` in
`tests/dbt/conftest.py` build empty), so the two builds differ only in the kiosk marts.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from datetime import date, timedelta

import adbc_driver_postgresql.dbapi as adbc
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from tests.dbt import raw_snapshot
from tests.pipeline import failure_history as fleet

AS_OF = date(2026, 11, 27)  # the snapshot's business date (simulators.scales.ANCHOR)
KIOSK_SCHEMA = "kiosk_world"
PRECISION_DATABASE = "ops_precision_world"  # the strategies' runs, apart from the service tests' ops_test
PRECISION_CHANNEL = "tfth"
# an earlier run whose outcomes the later one evaluates (15 days for 领卡 have passed by AS_OF), then AS_OF
PRECISION_DAYS = (date(2026, 11, 10), AS_OF)


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


def _precision_database() -> None:
    """`PRECISION_DATABASE` migrated, channel 天府通办 registered, earlier runs and messages removed."""
    from services import migrations
    from services.channels.models import Channel
    from simulators.channel_idp import IdentityProvider
    from yikatong import db

    try:
        migrations.upgrade(PRECISION_DATABASE)
    except Exception:  # a database left by another branch of the migrations: start afresh
        admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{PRECISION_DATABASE}" with (force)'))
        admin.dispose()
        migrations.upgrade(PRECISION_DATABASE)
    with db.sessionmaker_for(PRECISION_DATABASE)() as session:
        session.execute(sa.text("delete from precision_strategy_run"))  # cascades to precision_target
        session.execute(sa.text("delete from channel_outbox"))
        if session.get(Channel, PRECISION_CHANNEL) is None:
            key = IdentityProvider(PRECISION_CHANNEL).public_key
            session.add(Channel(channel_id=PRECISION_CHANNEL, name="天府通办", channel_class="政府渠道",
                                tier=1, region_code="511100", idp_public_key=key, status="启用",
                                registered_by="tests"))  # fmt: skip
        session.commit()


@functools.cache
def precision_published() -> dict[str, set[str]]:
    """Run every strategy on `PRECISION_DAYS` through the CLI; the counties each one targeted.

    Raises when a strategy targets nobody, or no strategy anyone in 市中区 (511102): the dashboard's
    charts and the county user's row-level security would then have nothing to show.
    """
    from services.precision.strategies import STRATEGIES
    from yikatong import db
    from yikatong.settings import REPO_ROOT, get_settings

    raw_loaded()
    _precision_database()
    settings = get_settings()
    env = os.environ | {"YKT_OPS_DATABASE": PRECISION_DATABASE, "YKT_HOME": str(settings.home),
                        "YKT_PROFILE": settings.profile}  # fmt: skip
    for day in PRECISION_DAYS:
        command = [sys.executable, "-m", "services.precision.cli", "run", "--as-of", day.isoformat(),
                   "--channel", PRECISION_CHANNEL]  # fmt: skip
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"ykt strategy run --as-of {day} 失败：\n{done.stdout}\n{done.stderr}")
    published = "select distinct strategy_id, county_code from public.raw_precision_target"
    counties: dict[str, set[str]] = {s: set() for s in STRATEGIES}
    with db.engine("analytics").connect() as conn:
        for strategy_id, county in conn.execute(sa.text(published)):
            counties[strategy_id].add(county)
    idle = sorted(s for s, found in counties.items() if not found)
    if idle or "511102" not in set().union(*counties.values()):
        raise RuntimeError(f"服务策略目标名单不足（无目标：{idle}，或市中区 511102 无人）：{counties}")
    return counties


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
    precision_published()  # the strategies read only the snapshot's raw tables: run before the one build
    variables = {"as_of": AS_OF.isoformat(), "ops_schema": KIOSK_SCHEMA, "prediction_schema": KIOSK_SCHEMA,
                 "gold_schema": KIOSK_SCHEMA}  # fmt: skip
    selection = [f"+{mart}" for mart in dashboard_marts()]
    args = ["build", "--select", *selection, "--indirect-selection", "cautious"]
    return transform.invoke([*args, "--vars", json.dumps(variables)])
