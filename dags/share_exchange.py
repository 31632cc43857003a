"""
# 定时数据共享 · `share_exchange`

每个业务日期，按**部门与授权**把当天的数据集导出并交付到市政务数据共享交换平台：

0. `sync`：先把目录与代码和数据湖对齐（新表、列及其敏感识别；数据管理员维护过的字段不覆盖），
   导出按最新的列规则进行。目录尚未建立（`ops` 未迁移）时跳过。
1. `export`：对每个有有效授权（已批准、未撤销、未过期）的部门，取授权数据集当天的数据，只保留授权
   且可离开平台的列——「不予开放」的资源项与 SM4 密文列永不离开，明文个人信息按类型脱敏——写成
   UTF-8 CSV，并生成清单 `manifest.json`（每个文件的行数、SM3 校验值，平台的 SM2 签名）。同样的输入
   得到逐字节相同的文件。
2. `deliver`：把文件与清单上传到交换平台（`YKT_EXCHANGE_URL`），平台验签并核对校验值后出具回执；
   回执记入 `catalog_delivery` 并写审计日志。某部门某日已交付过的不再重发（幂等）。

Scheduled on the Asset `analytics.raw` (the day's silver is loaded); emits `exchange.share`.
Each task is a thin shell call into the core environment
(`.venv/bin/python -m services.catalog.cli sync`, then `export|deliver --ds <date>`).
"""

from __future__ import annotations

import os
import shlex

import pendulum
from airflow.sdk import Asset, dag, task

from pipeline.airflow_env import CORE_PYTHON, DEFAULT_ARGS, REPO_ROOT, mark_outlets, resolve_ds


def _command(step: str, ds: str | None = None) -> str:
    python = os.environ.get("YKT_CORE_PYTHON") or str(CORE_PYTHON)
    return shlex.join([python, "-m", "services.catalog.cli", step, *(["--ds", ds] if ds else [])])


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def sync() -> str:
    """目录与代码、数据湖对齐（幂等）。"""
    return _command("sync")


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def export(**context) -> str:
    """按授权导出当天的共享文件与签名清单。"""
    return _command("export", resolve_ds(context))


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None, outlets=[Asset("exchange.share", group="exchange")])
def deliver(**context) -> str:
    """交付到市共享交换平台并记录回执（已交付的跳过）。"""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return _command("deliver", ds)


@dag(
    schedule=[Asset("analytics.raw", group="analytics")],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["exchange", "sharing"],
    doc_md=__doc__,
    description="按授权脱敏导出、SM2 签名，交付市共享交换平台",
)
def share_exchange() -> None:
    sync() >> export() >> deliver()


share_exchange()
