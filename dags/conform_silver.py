"""
# 统一口径 · `conform_silver`

Bronze → silver, one task per domain (a Spark session starts once per task, 20–40 s here, so the
datasets of a domain share it): for each dataset a Spark job reads every bronze table feeding it
for the business date, standardises codes and names (统一口径), encrypts plain personal data
and replaces it with SM3-HMAC tokens, checks the dataset's data contract (Great Expectations), and
writes the rows that pass to silver and those that fail to quarantine with their reason.
Within `conform_people_and_cards`, `person` runs before `card` (every card's holder must be in
`silver.person`).

Then `reconcile` compares source and silver counts and amounts per route, and `monitor` records
freshness and volume for the day.

Scheduled on **all bronze Assets** (every `ingest_<source>` DAG); each conform task emits its silver
Asset, on which `load_analytics` is scheduled. Tasks are thin shell calls into the core environment
(`.venv/bin/python -m pipeline.tasks conform --dataset <a>,<b>,… --ds <date>`).
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
}


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def conform(datasets: str, **context) -> str:
    """Conform the silver datasets of one domain from their bronze tables, with their contracts."""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return task_command("conform", "--dataset", datasets, ds=ds)


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def reconcile(**context) -> str:
    """对账: source vs silver row counts and amounts per route for the business date."""
    return task_command("reconcile", ds=resolve_ds(context))


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def monitor(**context) -> str:
    """监控: freshness and volume of every dataset for the business date."""
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
