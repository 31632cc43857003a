"""
# 装载分析库 · `load_analytics`

silver → PostgreSQL：`load` 把每个 silver 数据集在该业务日期的数据写入 `analytics` 库的 `raw_*`
表（以 COPY 批量写入，每张表每个日期一个事务，重跑覆盖同一日期），dbt 在其上构建数据集市，
Superset 读取集市。密文列留在数据湖，分析库只有令牌与掩码。

调度：所有 silver 资产（`conform_silver` 的统一口径任务）；产出资产 `analytics.raw`。
任务是对核心环境的薄调用（`.venv/bin/python -m pipeline.tasks load --ds <日期>`）。
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
    """装载：该业务日期的 silver → `analytics` 库的 `raw_*` 表（COPY，每表一个事务）。"""
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
