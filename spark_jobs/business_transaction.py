"""经办业务流水 (社保业务信息库): ``ywk_transaction`` → ``silver.business_transaction``.

One row per transaction (交易流水号 AAE076) per batch: 业务类型, the outlet (经办机构), the time, the
person as token and masks, and the staff member who handled it (经办人 AAE011): a staff name is
personal data too, so it is kept as a token (workload per person without the name) and a mask.
Run: ``python -m spark_jobs.business_transaction --ds 2026-11-27``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.batches import batch_rows, parse_ds, write_batch
from spark_jobs.checks import person_names
from spark_jobs.common import PERSON_CHECKS, RunResult, person_record_candidates, run

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "business_transaction"
ROUTE = "business.ywk_transaction"
SOURCE_TABLE = "ywk_transaction"  # lineage names the source table, as every silver job does
PERSONAL = {"aac002": "id_number", "aac003": "name", "aae011": "name"}
RENAMED = {"aae076": "transaction_id", "ywlx": "business_type", "ywlxmc": "business_type_name",
           "aac002_token": "id_token", "aac002_masked": "id_masked",
           "aac003_masked": "name_masked",
           "aae011_token": "staff_token", "aae011_masked": "staff_masked", "jbjgbm": "outlet_code",
           "jbjgmc": "outlet_name", "aab301": "region_code", "jysj": "transacted_at",
           "aae036": "handled_at"}  # fmt: skip
CHECKS = PERSON_CHECKS


def transform(transactions: DataFrame, names: DataFrame, ds: date) -> DataFrame:
    """Checks on the plaintext, then tokens and masks for the person and the 经办人."""
    return person_record_candidates(
        transactions, names, ds, personal=PERSONAL, renamed=RENAMED, text=["aac003", "aae011", "jbjgmc"],
        source_table=SOURCE_TABLE, key="transaction_id",
    )  # fmt: skip


def build(spark: SparkSession, ds: date) -> DataFrame:
    return transform(batch_rows(spark, ROUTE, ds), person_names(spark, ds), ds)


def finish(_spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    write_batch(DATASET, accepted, ds)


def main(ds: date | None = None, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds or parse_ds(), build, finish, spark)


if __name__ == "__main__":
    print(main())
