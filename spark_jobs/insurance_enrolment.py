"""参保信息 (insurance enrolment): 全民参保库 ``qmcb_enrolment`` → ``silver.insurance_enrolment``.

One row per person and 险种 (AAE140) per batch. The person is named by the 个人编号 (AAC001) and,
through the same system's ``qmcb_person``, by the person token (SM3-HMAC of the 社会保障号码), so
marts join enrolments to the golden person without any plaintext number.
Run: ``python -m spark_jobs.insurance_enrolment --ds 2026-11-27``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.batches import LINEAGE, batch_rows, parse_ds, write_batch
from spark_jobs.common import RunResult, bronze, latest, protect, run, with_lineage

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "insurance_enrolment"
ROUTE = "insurance.qmcb_enrolment"
SOURCE_TABLE = "qmcb_enrolment"  # lineage names the source table, as every silver job does
COLUMNS = ["enrolment_id", "person_no", "id_token", "insurance_type", "enrol_state", "enrol_date",
           "employer_no", "employer_credit_code", "employer_name", "region_code", "changed_at"]  # fmt: skip


def extract(spark: SparkSession, ds: date) -> tuple[DataFrame, DataFrame]:
    """The batch's enrolments and each 个人编号's newest 社会保障号码 (全民参保库 up to ``ds``)."""
    people = latest(bronze(spark, "insurance.qmcb_person", ds), ["aac001"])
    return batch_rows(spark, ROUTE, ds), people.selectExpr("aac001 as _p_no", "aac002 as _p_id")


def transform(enrolments: DataFrame, people: DataFrame) -> DataFrame:
    """Conformed names and types, the person token, lineage; one row per enrolment row."""
    from pyspark.sql import functions as F

    joined = enrolments.join(people, F.col("aac001") == F.col("_p_no"), "left").drop("_p_no")
    protected = protect(joined, {"_p_id": "id_number"}, keep_cipher=set())
    conformed = protected.select(
        F.col("aaz159").alias("enrolment_id"),
        F.col("aac001").alias("person_no"),
        F.col("_p_id_token").alias("id_token"),
        F.col("aae140").alias("insurance_type"),
        F.col("aac008").alias("enrol_state"),
        F.try_to_date(F.col("aac030"), "yyyyMMdd").alias("enrol_date"),
        F.col("aab001").alias("employer_no"),
        F.col("aab003").alias("employer_credit_code"),
        F.col("aab004").alias("employer_name"),
        F.col("aab301").alias("region_code"),
        F.col("aae036").alias("changed_at"),
        "_batch_id",
        "_logical_date",
    )
    return with_lineage(conformed, SOURCE_TABLE, ["enrolment_id"]).select(*COLUMNS, *LINEAGE)


def build(spark: SparkSession, ds: date) -> DataFrame:
    return transform(*extract(spark, ds))


def finish(_spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    write_batch(DATASET, accepted, ds)


def main(ds: date | None = None, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds or parse_ds(), build, finish, spark)


if __name__ == "__main__":
    print(main())
