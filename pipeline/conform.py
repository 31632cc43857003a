"""统一口径 (bronze → silver) for several datasets in one Spark session.

A Spark session costs 20–40 s to start on this machine, so `pipeline.tasks conform --dataset a,b,c`
runs every named job (``spark_jobs.<dataset>``) in one shared session, in the order given. A
dataset whose silver merges candidates (person, card …) also gets its accepted candidates
recorded (``lineage.<dataset>``, see :mod:`pipeline.reconcile`); datasets kept per batch need no
record (their silver rows are the accepted candidates).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pipeline import reconcile
from spark_jobs.batches import PER_BATCH

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Conformed:
    dataset: str
    result: Any | None  # spark_jobs.common.RunResult
    error: str | None = None


class ConformFailed(RuntimeError):
    """At least one dataset failed (the others were still conformed)."""


def conform_one(dataset: str, ds: date, spark: SparkSession) -> Any:
    """Run ``spark_jobs.<dataset>`` for ``ds`` in ``spark``; returns its RunResult."""
    from spark_jobs.common import run

    job = importlib.import_module(f"spark_jobs.{dataset}")
    if dataset in PER_BATCH or not hasattr(job, "build") or not hasattr(job, "finish"):
        return job.main(ds, spark)
    return run(dataset, ds, job.build, _recording(dataset, job.finish), spark)


def _recording(dataset: str, finish: Callable) -> Callable:
    """``finish``, then the record of the accepted candidates (only once silver is written)."""

    def finish_and_record(spark: SparkSession, accepted: DataFrame, ds: date) -> None:
        finish(spark, accepted, ds)
        lineage = accepted.select("_source_table", "_source_key").toArrow()  # two narrow columns
        reconcile.record_accepted(dataset, lineage, ds)

    return finish_and_record


def conform(datasets: list[str], ds: date, spark: SparkSession | None = None) -> list[Conformed]:
    """Every dataset in one session; a failing one does not stop the others (see ConformFailed)."""
    from yikatong import lake

    spark = spark or lake.spark_session("ykt-conform")
    done = []
    for dataset in datasets:
        try:
            done.append(Conformed(dataset, conform_one(dataset, ds, spark)))
        except Exception as exc:  # reported per dataset; the task fails after the others ran
            log.exception("统一口径失败 %s %s", dataset, ds)
            done.append(Conformed(dataset, None, f"{type(exc).__name__}: {exc}"))
    return done
