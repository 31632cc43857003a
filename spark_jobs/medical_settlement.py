"""医保结算 (medical settlements): 社保业务信息库 ``ywk_medical_settlement`` → ``silver.medical_settlement``.

One row per settlement (结算流水号 AAE076) per batch at a hospital or pharmacy (定点医药机构), with
the split of the total (统筹基金, 个人账户, 现金), the medium used (社保卡, 医保电子凭证, 电子社保卡),
the card number when a card was used, and the patient as token and masks only.
Run: ``python -m spark_jobs.medical_settlement --ds 2026-11-27``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.batches import batch_rows, parse_ds, write_batch
from spark_jobs.checks import person_names
from spark_jobs.common import PERSON_CHECKS, RunResult, person_record_candidates, run

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "medical_settlement"
ROUTE = "business.ywk_medical_settlement"
SOURCE_TABLE = "ywk_medical_settlement"  # lineage names the source table, as every silver job does
PERSONAL = {"aac002": "id_number", "aac003": "name"}
RENAMED = {"aae076": "settlement_id", "aac002_token": "id_token", "aac002_masked": "id_masked",
           "aac003_masked": "name_masked", "akb020": "institution_code", "akb021": "institution_name",
           "jglx": "institution_kind", "aka130": "medical_category", "akc264": "total_amount",
           "ake039": "fund_paid", "akb066": "account_paid", "akb067": "cash_paid", "jzlx": "medium",
           "aaz500": "card_no", "jssj": "settled_at", "aab301": "region_code",
           "aae036": "handled_at"}  # fmt: skip
CHECKS = PERSON_CHECKS


def transform(settlements: DataFrame, names: DataFrame, ds: date) -> DataFrame:
    """Checks on the plaintext (number, name against the masters, garbling), then tokens and masks."""
    return person_record_candidates(
        settlements, names, ds, personal=PERSONAL, renamed=RENAMED, text=["aac003", "akb021"],
        source_table=SOURCE_TABLE, key="settlement_id",
    )  # fmt: skip


def build(spark: SparkSession, ds: date) -> DataFrame:
    return transform(batch_rows(spark, ROUTE, ds), person_names(spark, ds), ds)


def finish(_spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    write_batch(DATASET, accepted, ds)


def main(ds: date | None = None, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds or parse_ds(), build, finish, spark)


if __name__ == "__main__":
    print(main())
