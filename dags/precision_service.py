"""
# 精准服务 · `precision_service`

服务策略管理（seed 4）：在分析库的数据模型（`analytics.marts`）建好之后运行。

- `run_strategies`：按业务日期运行已声明的服务策略（`services/precision/strategies.py`：制卡超 30 天
  未领卡提醒、养老待遇领取人无正常卡外呼、卡片 90 天内到期换卡提醒），每个策略每天只运行一次（幂等）：
  目标名单随运行保存在 `ops` 库，并作为待办消息写入渠道外发消息队列（投递到渠道的待办接口）；
  同时检查以往名单中的人在 N 天内是否已办理（领卡、申领、换卡），更新成效，
  并把名单与成效发布到 `analytics.raw_precision_target`（只有令牌、代码与日期）。
- `build_precision_mart`：`dbt build` 精准服务的模型（`mart_precision_service`），供
  问题卡精准服务监控大屏展示策略成效。

调度：资产 `analytics.marts`（`transform_marts` 的产出）；产出资产 `analytics.precision`。
任务是对核心环境的薄调用（`.venv/bin/python -m services.precision.cli run --as-of <日期>`）。
"""

from __future__ import annotations

import os
import shlex

import pendulum
from airflow.sdk import Asset, dag, task

from pipeline.airflow_env import CORE_PYTHON, DEFAULT_ARGS, REPO_ROOT, mark_outlets, resolve_ds

MARTS = Asset("analytics.marts", group="analytics")
PRECISION = Asset("analytics.precision", group="analytics")


def _python() -> str:
    return os.environ.get("YKT_CORE_PYTHON") or str(CORE_PYTHON)


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def run_strategies(**context) -> str:
    """运行服务策略（目标名单 → 渠道待办），更新成效，发布到分析库。"""
    ds = resolve_ds(context)
    return shlex.join([_python(), "-m", "services.precision.cli", "run", "--as-of", ds])


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None, outlets=[PRECISION])
def build_precision_mart(**context) -> str:
    """dbt build：精准服务成效模型（stg_precision__targets → mart_precision_service）。"""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return shlex.join([_python(), "-m", "services.precision.mart", "--ds", ds])


@dag(
    schedule=[MARTS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["analytics", "precision"],
    doc_md=__doc__,
    description="服务策略：目标名单 → 渠道待办 → 成效跟踪 → mart_precision_service",
)
def precision_service() -> None:
    run_strategies() >> build_precision_mart()


precision_service()
