"""
# 金层 · `build_gold`

silver → gold，再装载到分析库：

- `build_and_load`：一个 Spark 会话依次构建
  - `gold.trajectory_monthly`（轨迹汇集库）：每人（令牌）、每月、每类轨迹（身份凭证类、身份校验类、
    非医保消费类、待遇发放类、信息查询类）、每个地点（乡镇/街道及区县）的次数、成功次数、金额、
    首次与末次时间；
  - `gold.portrait`（个人画像库）：每人的年龄段、性别、区县、参保险种、近 90 天活跃渠道与使用场景、
    领取的待遇类别，以及精准服务的风险标记：制卡超过 30 天未领卡、领取养老待遇但无正常状态的卡、
    卡片 90 天内到期；
  然后以 COPY 把两张表整表写入 `analytics` 库的 `raw_gold_trajectory_monthly`、`raw_gold_portrait`。
- `load_timeline`：把当日批次的用卡事件（轨迹信息库）装入 `analytics.raw_trajectory_event`（按人令牌与
  时间建索引），供工作人员按人查询用卡轨迹时间线（`/api/v1/admin/trajectories/...`）。

数据只有令牌、代码、掩码与统计值，没有明文个人信息。每次运行得到截至该业务日期的状态，
同一日期重跑得到相同的表。

调度：轨迹与画像依赖的 silver 资产（`conform_silver` 的产出）；产出资产 `gold.trajectory_monthly`、
`gold.portrait`。任务是对核心环境的薄调用（`.venv/bin/python -m pipeline.tasks gold --ds <日期>`）。
"""

from __future__ import annotations

import os
import shlex

import pendulum
from airflow.sdk import Asset, dag, task

from pipeline.airflow_env import CORE_PYTHON, DEFAULT_ARGS, REPO_ROOT, mark_outlets, resolve_ds, task_command

INPUTS = ("person", "card", "card_application", "insurance_enrolment", "benefit_payment", "card_use_event")
SILVER = [Asset(f"silver.{name}", group="silver") for name in INPUTS]
GOLD = [Asset(f"gold.{name}", group="gold") for name in ("trajectory_monthly", "portrait")]
TIMELINE = Asset("analytics.raw_trajectory_event", group="analytics")


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None, outlets=GOLD)
def build_and_load(**context) -> str:
    """构建轨迹汇集库与个人画像库（Spark），并装载到 `analytics.raw_gold_*`。"""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return task_command("gold", ds=ds)


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None, outlets=[TIMELINE])
def load_timeline(**context) -> str:
    """当日批次的用卡事件 → `analytics.raw_trajectory_event`（轨迹信息库，按人查询时间线）。"""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    python = os.environ.get("YKT_CORE_PYTHON") or str(CORE_PYTHON)
    return shlex.join([python, "-m", "pipeline.trajectory_load", "--ds", ds])


@dag(
    schedule=SILVER,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["gold", "trajectory"],
    doc_md=__doc__,
    description="silver → gold：轨迹汇集库、个人画像库，装载 analytics.raw_gold_*",
)
def build_gold() -> None:
    build_and_load()
    load_timeline()


build_gold()
