"""制卡结果回盘 (silver.card_writeback): every attempt to write a made card back to the province.

One row per attempt (``kgl_writeback``, 回盘记录编号 = 卡号-尝试次数): the card, the bank account
(token and mask only: silver.card keeps its ciphertext), the chip serial, 成功 / 失败 with the
error, and when. Failed write-backs can be retried by hand, only for failed records; each retry
is a new attempt, so the table is the retry history.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs import current
from spark_jobs.checks import card_numbers, with_card_check
from spark_jobs.common import RunResult, bronze, latest, protect, run, to_arrow, with_lineage
from spark_jobs.conform import shape, timestamp, with_missing

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "card_writeback"
SCHEMA = {"writeback_id": "string", "card_no": "string", "bank_card": "string", "chip_no": "string",
          "result": "string", "error": "string", "attempt": "int", "attempted_at": "timestamp",
          "changed_at": "timestamp"}  # fmt: skip


COLUMNS = ["writeback_id", "card_no", "attempt", "result", "succeeded", "error", "attempted_at",
           "bank_card_token", "bank_card_masked", "chip_no", "changed_at", "_source_table", "_source_key",
           "_row_id"]  # fmt: skip


def transform(writebacks: DataFrame, cards: DataFrame) -> DataFrame:
    """kgl_writeback → candidates; ``_error_ok``: a failure says why."""
    from pyspark.sql import functions as F

    rows = shape(writebacks, SCHEMA, {
        "writeback_id": "hpid", "card_no": "aaz500", "bank_card": "aae010", "chip_no": "chipno",
        "result": "hpjg", "error": "cwxx", "attempt": "cscs", "attempted_at": timestamp("hpsj"),
        "changed_at": timestamp("aae036"),
    })  # fmt: skip
    rows = rows.withColumn("succeeded", F.col("result") == "成功")
    rows = rows.withColumn(
        "_error_ok", F.coalesce(F.col("succeeded") | F.col("error").isNotNull(), F.lit(False))
    )
    rows = with_missing(rows, ["writeback_id", "card_no", "result", "attempt", "attempted_at"])
    rows = with_card_check(with_lineage(rows, "kgl_writeback", ["writeback_id"]), cards)
    return protect(rows, {"bank_card": "bank_card"}, keep_cipher=set())


def build(spark: SparkSession, ds: date) -> DataFrame:
    writebacks = latest(bronze(spark, "card_system.kgl_writeback", ds), ["hpid"])
    return transform(writebacks, card_numbers(spark, ds))


def finish(spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    current.write(DATASET, to_arrow(accepted.select(COLUMNS)), ["writeback_id"])


def main(ds: date, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds, build, finish, spark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="silver.card_writeback 制卡结果回盘")
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    print(main(parser.parse_args().ds))
