"""制卡批次 (silver.card_batch): the batches the province made cards in (``kgl_batch``).

One row per 批次号: the bank (服务银行), how many cards (制卡数量), when they were made (制卡完成时间)
and when the city received them (市级接收时间). Applications point at their batch (batch_no).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs import current
from spark_jobs.common import RunResult, bronze, latest, run, to_arrow, with_lineage
from spark_jobs.conform import code_names, decode, shape, timestamp, with_missing

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "card_batch"
SCHEMA = {"batch_no": "string", "bank_code": "string", "bank_name": "string", "card_count": "int",
          "made_at": "timestamp", "city_received_at": "timestamp", "changed_at": "timestamp"}  # fmt: skip


def transform(batches: DataFrame, banks: dict[str, str]) -> DataFrame:
    """kgl_batch → candidates; ``_times_ordered``: received no earlier than made."""
    from pyspark.sql import functions as F

    rows = shape(batches, SCHEMA, {
        "batch_no": "batchno", "bank_code": "aae008", "bank_name": decode("aae008", banks),
        "card_count": "zksl", "made_at": timestamp("zksj"), "city_received_at": timestamp("jssj"),
        "changed_at": timestamp("aae036"),
    })  # fmt: skip
    ordered = F.coalesce(F.col("city_received_at") >= F.col("made_at"), F.lit(True))
    rows = with_missing(rows, ["batch_no", "bank_code", "card_count", "made_at"]).withColumn(
        "_times_ordered", ordered
    )
    return with_lineage(rows, "kgl_batch", ["batch_no"])


def build(spark: SparkSession, ds: date) -> DataFrame:
    batches = latest(bronze(spark, "card_system.kgl_batch", ds), ["batchno"])
    return transform(batches, code_names(spark, "card_system.kgl_code", ds, "AAE008"))


def finish(spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    current.write(DATASET, to_arrow(accepted), ["batch_no"])


def main(ds: date, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds, build, finish, spark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="silver.card_batch 制卡批次")
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    print(main(parser.parse_args().ds))
