"""
# 装载分析库 · `load_analytics`

Silver → PostgreSQL: `load` copies every silver dataset's business date into the `analytics`
database's `raw_*` tables (one transaction per table and date, upserted), where dbt builds the
marts Superset reads.

Scheduled on **all silver Assets** (the conform tasks of `conform_silver`); emits the Asset
`analytics.raw`. The task is a thin shell call into the core environment
(`.venv/bin/python -m pipeline.tasks load --ds <date>`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from pipeline.airflow_env import (
    DEFAULT_ARGS,
    REPO_ROOT,
    mark_outlets,
    resolve_ds,
    silver_datasets,
    task_command,
)

SILVER = [Asset(f"silver.{name}", group="silver") for name in silver_datasets()]


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None, outlets=[Asset("analytics.raw", group="analytics")])
def load(**context) -> str:
    """Load silver into analytics.raw_* for the business date."""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return task_command("load", ds=ds)


@dag(
    schedule=SILVER,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["analytics", "load"],
    doc_md=__doc__,
    description="silver → PostgreSQL analytics.raw_*",
)
def load_analytics() -> None:
    load()


load_analytics()
