"""
# 统一口径 · `conform_silver`

Bronze → silver, one task per silver dataset: a Spark job reads every bronze table feeding the
dataset for the business date, standardises codes and names (统一口径), encrypts plain personal data
and replaces it with SM3-HMAC tokens, checks the dataset's data contract (Great Expectations), and
writes the rows that pass to silver and those that fail to quarantine with their reason.
`conform_card` waits for `conform_person` (every card's holder must be in `silver.person`).

Then `reconcile` compares source and silver counts and amounts per route, and `monitor` records
freshness and volume for the day.

Scheduled on **all bronze Assets** (every `ingest_<source>` DAG); each conform task emits its silver
Asset, on which `load_analytics` is scheduled. Tasks are thin shell calls into the core environment
(`.venv/bin/python -m pipeline.tasks conform --dataset <name> --ds <date>`).
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
# Silver datasets a conform job reads (spark_jobs/card.py checks each card's holder in silver.person).
NEEDS = {"card": ("person",)}


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def conform(dataset: str, **context) -> str:
    """Conform one silver dataset from its bronze tables, with its contract."""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return task_command("conform", "--dataset", dataset, ds=ds)


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
    conformed = {
        name: conform.override(
            task_id=f"conform_{name}",
            outlets=[Asset(f"silver.{name}", group="silver")],
            doc_md=f"bronze → `silver.{name}`，契约 `{name}`",
        )(name)
        for name in silver_datasets()
    }
    for name, needs in NEEDS.items():
        for upstream in needs:
            conformed[upstream] >> conformed[name]
    list(conformed.values()) >> reconcile() >> monitor()


conform_silver()
