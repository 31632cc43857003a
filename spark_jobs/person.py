"""人员 (silver.person): one golden record per person across 全民参保库, 持卡库 and the card system.

Candidates are one row per source row: 全民参保库 ``qmcb_person``, 持卡库 ``cyk_holder`` and the
people on 卡管 cards (``kgl_card``: AAC002 / AAC003 / AAC004). Checks that need plaintext (GB 11643
and the other documents, 乱码, missing fields) are computed first; then ID number, name, phone,
address and guardian ID become token / SM4 ciphertext / mask, and the plaintext is gone. The card
system alone never creates a person: a card-only number is quarantined (卡管人员不在人员库中).

Survivorship (存活规则) of the golden record, matched on the ID token (person_sk = id_token) — see
:mod:`spark_jobs.person_golden`.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.checks import with_document_check
from spark_jobs.common import RunResult, bronze, latest, protect, run, with_lineage, with_text_check
from spark_jobs.conform import code_names, decode, from_id, shape, timestamp, with_missing, yyyymmdd

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "person"
PII = {"id": "id_number", "name": "name", "phone": "phone", "address": "address", "guardian_id": "id_number"}
SYSTEMS = {"insurance": 1, "holder": 2, "card_system": 3}  # survivorship priority (lower wins)
SEX = {"1": "男", "2": "女"}
SCHEMA = {  # one candidate row before protection (+ the source key, for lineage)
    "person_system": "string", "id": "string", "doc_type": "string", "name": "string", "sex": "string",
    "birth_date": "date", "ethnic": "string", "phone": "string", "address": "string", "postcode": "string",
    "region_code": "string", "guardian_id": "string", "guardian_doc_type": "string",
    "changed_at": "timestamp", "_key": "string",
}  # fmt: skip


def extract(spark: SparkSession, ds: date) -> dict[str, DataFrame]:
    """The newest version of each source row up to ``ds``."""
    return {
        "insurance": latest(bronze(spark, "insurance.qmcb_person", ds), ["aac001"]),
        "holder": latest(bronze(spark, "holder.cyk_holder", ds), ["cyrid"]),
        "card_system": latest(bronze(spark, "card_system.kgl_card", ds), ["aaz500"]),
    }


def from_insurance(df: DataFrame, ethnic: dict[str, str]) -> DataFrame:
    """全民参保库: AAC005 民族 by code, AAC006 出生日期 as yyyymmdd, AAB301 参保地 (county)."""
    from pyspark.sql import functions as F

    rows = shape(df, SCHEMA, {
        "person_system": F.lit("insurance"), "id": "aac002", "doc_type": "aac058", "name": "aac003",
        "sex": decode("aac004", SEX), "birth_date": yyyymmdd("aac006"), "ethnic": decode("aac005", ethnic),
        "phone": "aae005", "address": "aae006", "postcode": "aae007", "region_code": "aab301",
        "changed_at": timestamp("aae036"), "_key": "aac001",
    })  # fmt: skip
    return _finish_source(rows, "qmcb_person", ["id", "name", "birth_date"])


def from_holder(df: DataFrame) -> DataFrame:
    """持卡库: 性别 and 民族 in words, XZQH 常住地 (township), 监护人 for minors."""
    from pyspark.sql import functions as F

    rows = shape(df, SCHEMA, {
        "person_system": F.lit("holder"), "id": "aac002", "doc_type": "zjlx", "name": "aac003", "sex": "xb",
        "birth_date": "csrq", "ethnic": "mz", "phone": "lxdh", "address": "txdz", "postcode": "yzbm",
        "region_code": "xzqh", "guardian_id": "jhrzjhm", "guardian_doc_type": "jhrzjlx",
        "changed_at": timestamp("aae036"), "_key": "cyrid",
    })  # fmt: skip
    return _finish_source(rows, "cyk_holder", ["id", "name", "birth_date", "phone"])


def from_card_system(df: DataFrame) -> DataFrame:
    """卡管 card rows as people: only number, document type, name and sex."""
    from pyspark.sql import functions as F

    rows = shape(df, SCHEMA, {
        "person_system": F.lit("card_system"), "id": "aac002", "doc_type": "aac058", "name": "aac003",
        "sex": decode("aac004", SEX), "changed_at": timestamp("aae036"), "_key": "aaz500",
    })  # fmt: skip
    return _finish_source(rows, "kgl_card", ["id", "name"])


def _finish_source(rows: DataFrame, table: str, required: list[str]) -> DataFrame:
    """Required-field check, lineage (keyed by the source's primary key) and survivorship priority."""
    from pyspark.sql import functions as F

    priority = F.create_map(*[F.lit(v) for pair in SYSTEMS.items() for v in pair])[F.col("person_system")]
    rows = with_lineage(with_missing(rows, required), table, ["_key"]).drop("_key")
    return rows.withColumn("priority", priority.cast("int"))


def transform(insurance: DataFrame, holder: DataFrame, card_system: DataFrame, ethnic: dict[str, str],
              today: date) -> DataFrame:  # fmt: skip
    """Source rows → protected candidates with their check columns."""

    rows = (
        from_insurance(insurance, ethnic)
        .unionByName(from_holder(holder))
        .unionByName(from_card_system(card_system))
    )
    rows = with_document_check(despaced(rows), "id", today=today)
    rows = with_text_check(rows, ["name", "address"])
    rows = rows.select("*", *[expr.alias(name) for name, expr in from_id("id").items()])
    return with_registry(protect(rows, PII))


def despaced(rows: DataFrame) -> DataFrame:
    """Repair rule 姓名去空格: a space inside a Chinese name (``王　春``) is a typing error, removed;
    ``name_despaced`` marks the rows so the repair is logged."""
    from pyspark.sql import functions as F

    chinese = F.col("name").rlike("[\u4e00-\u9fff]")
    clean = F.when(chinese, F.regexp_replace("name", "[\\s\u3000]+", "")).otherwise(F.col("name"))
    flagged = rows.withColumn("name_despaced", F.coalesce(F.col("name") != clean, F.lit(False)))
    return flagged.withColumn("name", clean)


def with_registry(rows: DataFrame) -> DataFrame:
    """``_has_registry``: 全民参保库 or 持卡库 knows the number (the card system alone is not enough).

    A window over the number's rows, not a self-join: the protected rows are computed once.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    registry = F.col("person_system") != "card_system"
    known = F.max(registry.cast("int")).over(Window.partitionBy("id_token")) == 1
    return rows.withColumn("_has_registry", registry | (F.col("id_token").isNotNull() & known))


def application_voters(spark: SparkSession, ds: date) -> DataFrame:
    """``(id_token, name_token)`` of each 卡管 application (申领, ``kgl_apply``) with a valid number.

    Applications vote on the surviving name but never create a person (they belong to
    silver.card_application, whose contract judges them).
    """
    from pyspark.sql import functions as F

    applications = latest(bronze(spark, "card_system.kgl_apply", ds), ["sqid"])
    rows = despaced(applications.select(F.col("aac002").alias("id"), F.col("aac003").alias("name")))
    rows = with_document_check(rows, "id", today=ds).where("_id_check = 'ok' and name is not null")
    return protect(rows.select("id", "name"), {"id": "id_number", "name": "name"}, keep_cipher=set())


def build(spark: SparkSession, ds: date) -> DataFrame:
    sources = extract(spark, ds)
    ethnic = code_names(spark, "insurance.qmcb_code", ds, "AAC005")
    return transform(sources["insurance"], sources["holder"], sources["card_system"], ethnic, ds)


def finish(spark: SparkSession, accepted, ds: date) -> None:
    from spark_jobs import person_golden

    person_golden.write(spark, accepted, ds, application_voters(spark, ds))


def main(ds: date, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds, build, finish, spark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="silver.person 人员主数据")
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    print(main(parser.parse_args().ds))
