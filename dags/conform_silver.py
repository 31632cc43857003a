"""
# 统一口径 · `conform_silver`

bronze → silver。每个业务域一个任务、共用一个 Spark 会话（本机启动一次约 20–40 秒）：

- `conform_people_and_cards`：`person`、`card`、`bank_account`、`card_application`、`card_batch`、
  `card_writeback`
- `conform_insurance_and_business`：`insurance_enrolment`、`benefit_payment`、`medical_settlement`、
  `business_transaction`
- `conform_events_and_directories`：`card_use_event`、`directory`
- `conform_ops`：一卡通服务自身的表（`ops` 库：设备、状态变化、自检明细、告警、预制卡、发卡、成品卡）
  → `silver.ops_<表>`：每个主键的最新版本，去掉密文列；契约只核对主键与区划（数据已由服务层校验）

每个数据集的 Spark 作业读取当日所有来源 bronze 表，统一代码与名称口径，个人敏感信息（身份证号、
姓名、手机号、银行卡号）以 SM4 加密保存、以 SM3-HMAC 令牌关联、以掩码展示，然后执行该数据集的
数据契约（Great Expectations）：通过的行写入 `silver.<数据集>`，未通过的行连同失败的规则与原因写入
`quarantine.<数据集>`；失败比例超过阈值时任务失败。`person` 先于 `card` 运行（每张卡的持卡人须在
`silver.person` 中）。

随后 `reconcile` 按路由对账（源 = bronze = silver + 隔离区，行数与金额，结果见
`ykt pipeline status`），`monitor` 记录各来源系统的及时性、数据量与失败批次并在异常时告警。

调度：所有 bronze 资产（各 `ingest_<来源>` DAG 的产出）；每个统一口径任务产出其 silver 资产，
`load_analytics` 以这些资产为调度条件。任务只是对核心环境的薄调用
（`.venv/bin/python -m pipeline.tasks conform --dataset <a>,<b>,… --ds <日期>`），
同一业务日期重跑得到相同的表。
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
from pipeline.routes import ROUTES

BRONZE = [Asset(r.bronze, group="bronze") for r in ROUTES]
# Domains, each one task and one Spark session; order inside a domain is the run order
# (spark_jobs/card.py checks each card's holder in silver.person).
DOMAINS = {
    "people_and_cards": (
        "person",
        "card",
        "bank_account",
        "card_application",
        "card_batch",
        "card_writeback",
    ),
    "insurance_and_business": (
        "insurance_enrolment",
        "benefit_payment",
        "medical_settlement",
        "business_transaction",
    ),
    "events_and_directories": ("card_use_event", "directory"),
    # the services' own tables (ops): latest version per key, no re-conforming (spark_jobs/ops.py)
    "ops": tuple(r.contract for r in ROUTES if r.source == "ops" and r.contract),
}


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def conform(datasets: str, **context) -> str:
    """统一口径：一个业务域的 silver 数据集，各自执行数据契约，不合格行进入隔离区。"""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return task_command("conform", "--dataset", datasets, ds=ds)


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def reconcile(**context) -> str:
    """对账：每条路由 源 = bronze = silver + 隔离区（行数与金额），结果见 `ykt pipeline status`。"""
    return task_command("reconcile", ds=resolve_ds(context))


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def monitor(**context) -> str:
    """数据监测：各来源系统的及时性、数据量与失败批次，异常时写入告警。"""
    return task_command("monitor", ds=resolve_ds(context))


@dag(
    schedule=BRONZE,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["silver", "conform"],
    doc_md=__doc__,
    description="bronze → silver：统一口径、加密、契约校验、对账、监控",
)
def conform_silver() -> None:
    assert sorted(d for ds in DOMAINS.values() for d in ds) == sorted(silver_datasets()), (
        "每个数据集归属一个域"
    )
    conformed = [
        conform.override(
            task_id=f"conform_{domain}",
            outlets=[Asset(f"silver.{name}", group="silver") for name in names],
            doc_md="bronze → " + "、".join(f"`silver.{n}`" for n in names) + "，各自的数据契约",
        )(",".join(names))
        for domain, names in DOMAINS.items()
    ]
    conformed >> reconcile() >> monitor()


conform_silver()
