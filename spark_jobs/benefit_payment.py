"""待遇发放 (benefit payments): 社保业务信息库 ``ywk_benefit_payment`` → ``silver.benefit_payment``.

One row per payment (发放流水号 AAE076) per batch: 待遇领取类型, 费款所属期, amount, the 参保地, and
the payee as tokens and masks only (社会保障号码, 姓名, 收款银行账号: HMAC-SM3 token + display mask).
Run: ``python -m spark_jobs.benefit_payment --ds 2026-11-27``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.batches import LINEAGE, batch_rows, parse_ds, write_batch
from spark_jobs.checks import with_document_check
from spark_jobs.common import RunResult, protect, run, with_lineage, with_text_check

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "benefit_payment"
ROUTE = "business.ywk_benefit_payment"
SOURCE_TABLE = "ywk_benefit_payment"  # lineage names the source table, as every silver job does
PERSONAL = {"aac002": "id_number", "aac003": "name", "aae010": "bank_card"}
COLUMNS = ["payment_id", "id_token", "id_masked", "name_masked", "insurance_type", "benefit_type",
           "period", "amount", "bank_account_token", "bank_account_masked", "region_code", "paid_on",
           "handled_at"]  # fmt: skip
CHECKS = ["_id_check", "_text_ok"]


def transform(payments: DataFrame, ds: date) -> DataFrame:
    """Checks on the plaintext, then tokens and masks in its place; one row per payment row."""
    from pyspark.sql import functions as F

    checked = with_text_check(with_document_check(payments, "aac002", today=ds), ["aac003"])
    protected = protect(checked, PERSONAL, keep_cipher=set())
    conformed = protected.select(
        F.col("aae076").alias("payment_id"),
        F.col("aac002_token").alias("id_token"),
        F.col("aac002_masked").alias("id_masked"),
        F.col("aac003_masked").alias("name_masked"),
        F.col("aae140").alias("insurance_type"),
        F.col("dylx").alias("benefit_type"),
        F.col("aae002").alias("period"),
        F.col("aae019").alias("amount"),
        F.col("aae010_token").alias("bank_account_token"),
        F.col("aae010_masked").alias("bank_account_masked"),
        F.col("aab301").alias("region_code"),
        F.col("ffrq").alias("paid_on"),
        F.col("aae036").alias("handled_at"),
        *CHECKS,
        "_batch_id",
        "_logical_date",
    )
    return with_lineage(conformed, SOURCE_TABLE, ["payment_id"]).select(*COLUMNS, *CHECKS, *LINEAGE)


def build(spark: SparkSession, ds: date) -> DataFrame:
    return transform(batch_rows(spark, ROUTE, ds), ds)


def finish(_spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    write_batch(DATASET, accepted, ds)


def main(ds: date | None = None, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds or parse_ds(), build, finish, spark)


if __name__ == "__main__":
    print(main())
