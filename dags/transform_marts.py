"""
# 分析建模 · `transform_marts`

PostgreSQL `analytics.raw_*` → dbt → `analytics.marts`: `dbt build` runs the project in `dbt/`
(staging views per source, intermediate views, mart tables; seeds, data tests and unit tests) as of
the business date, so the statistics the city asks for — 发卡/补卡/换卡, 制卡进度漏斗, 线上申领,
问题卡, 养老待遇领取, 社保业务, 数据源监测, 终端运行 — are rebuilt from the freshly loaded data.
A failing data test fails the task (and the marts of the failing branch are not replaced).
Before it, `predict_terminal_failures` trains the terminal failure model (seed 四.4) on the kiosks'
self-check and alarm history and writes `raw_terminal_failure_prediction`, which dbt turns into
`mart_terminal_failure_prediction`.

Scheduled on the Asset **`analytics.raw`** (emitted by `load_analytics`); emits `analytics.marts`,
which Superset reads. The task is a thin shell call into the core environment
(`.venv/bin/python -m pipeline.transform build --ds <date>`).
"""

from __future__ import annotations

import os
import shlex

import pendulum
from airflow.sdk import Asset, dag, task

from pipeline.airflow_env import CORE_PYTHON, DEFAULT_ARGS, REPO_ROOT, mark_outlets, resolve_ds

RAW = Asset("analytics.raw", group="analytics")
MARTS = Asset("analytics.marts", group="analytics")
# The portrait and trajectory marts read gold: dbt waits for the gold load as well as the raw load.
GOLD = [Asset(f"gold.{name}", group="gold") for name in ("trajectory_monthly", "portrait")]


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None, outlets=[MARTS])
def dbt_build(**context) -> str:
    """dbt build (seeds, models, data tests, unit tests) as of the business date."""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    python = os.environ.get("YKT_CORE_PYTHON") or str(CORE_PYTHON)
    return shlex.join([python, "-m", "pipeline.transform", "build", "--ds", ds])


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def predict_terminal_failures(**context) -> str:
    """终端故障预测: train on the self-check and alarm history, write the 7-day risks."""
    ds = resolve_ds(context)
    python = os.environ.get("YKT_CORE_PYTHON") or str(CORE_PYTHON)
    return shlex.join([python, "-m", "pipeline.failure_prediction.task", "--ds", ds])


@dag(
    schedule=[RAW, *GOLD],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["analytics", "dbt"],
    doc_md=__doc__,
    description="analytics.raw_* → dbt → analytics.marts",
)
def transform_marts() -> None:
    predict_terminal_failures() >> dbt_build()


transform_marts()
