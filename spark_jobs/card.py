"""社会保障卡 (silver.card): every card's status history as SCD2, from the card system and the 持卡库.

Candidates are one row per source row of 卡管 ``kgl_card`` (AAZ502 status by code), 持卡库
``cyk_card`` (KZT status in words) and ``cyk_card_status_history`` (YZT → XZT at BGSJ). A card row
must belong to a person in ``silver.person`` (``_has_person``, 卡片无对应持卡人 otherwise), so the
person job runs first; a status change must belong to a known card (``_has_card``). ID and bank
card numbers become tokens (the bank card also SM4 ciphertext) before the contract sees them.
The periods are assembled in :mod:`spark_jobs.card_scd2`.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.checks import with_document_check
from spark_jobs.common import RunResult, bronze, latest, protect, run, with_lineage, with_text_check
from spark_jobs.conform import code_names, decode, shape, timestamp, with_missing, yyyymmdd
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "card"
PII = {"id": "id_number", "name": "name", "bank_card": "bank_card"}
SCHEMA = {  # one candidate row, before protection
    "card_source": "string", "priority": "int", "card_no": "string", "id": "string", "name": "string",
    "status": "string", "from_status": "string", "issued_on": "date", "expires_on": "date",
    "region_code": "string", "bank_code": "string", "bank_card": "string", "chip_no": "string",
    "card_gen": "string", "application_id": "string", "change_reason": "string", "changed_at": "timestamp",
}  # fmt: skip
CHECKS = ["_id_check", "_text_ok", "_missing", "_has_person", "_has_card"]
PRE_MADE_STATUS = "待激活"


def extract(spark: SparkSession, ds: date) -> dict[str, DataFrame]:
    return {
        "card_system": latest(bronze(spark, "card_system.kgl_card", ds), ["aaz500"]),
        "holder": latest(bronze(spark, "holder.cyk_card", ds), ["aaz500"]),
        "history": latest(bronze(spark, "holder.cyk_card_status_history", ds), ["lsid"]),
    }


def from_card_system(df: DataFrame, statuses: dict[str, str]) -> DataFrame:
    """卡管 kgl_card: status by code (AAZ502), dates as yyyymmdd, 发卡地 AAB301."""
    from pyspark.sql import functions as F

    rows = shape(df, SCHEMA, {
        "card_source": F.lit("card_system"), "priority": F.lit(1), "card_no": "aaz500", "id": "aac002",
        "name": "aac003", "status": decode("aaz502", statuses), "issued_on": yyyymmdd("fkrq"),
        "expires_on": yyyymmdd("yxqz"), "region_code": "aab301", "bank_code": "aae008",
        "bank_card": "aae010", "chip_no": "chipno", "card_gen": "cardgen", "application_id": "sqid",
        "changed_at": timestamp("aae036"),
    })  # fmt: skip
    required = ["card_no", "id", "name", "status", "issued_on", "expires_on", "region_code"]
    return with_lineage(with_missing(rows, required), "kgl_card", ["card_no"])


def from_holder(df: DataFrame) -> DataFrame:
    """持卡库 cyk_card: status in words (KZT), 发卡地 FKD, bank YHBM / YHKH."""
    from pyspark.sql import functions as F

    rows = shape(df, SCHEMA, {
        "card_source": F.lit("holder"), "priority": F.lit(2), "card_no": "aaz500", "id": "aac002",
        "status": "kzt", "issued_on": "fkrq", "expires_on": "yxqz", "region_code": "fkd", "bank_code": "yhbm",
        "bank_card": "yhkh", "changed_at": timestamp("aae036"),
    })  # fmt: skip
    required = ["card_no", "id", "status", "issued_on", "region_code"]
    return with_lineage(with_missing(rows, required), "cyk_card", ["card_no"])


def from_history(df: DataFrame) -> DataFrame:
    """持卡库 status changes: YZT → XZT at BGSJ because of BGYY (LSID orders changes at one time)."""
    from pyspark.sql import functions as F

    rows = shape(df, SCHEMA | {"lsid": "bigint"}, {
        "card_source": F.lit("history"), "priority": F.lit(3), "card_no": "aaz500", "status": "xzt",
        "from_status": "yzt", "change_reason": "bgyy", "changed_at": timestamp("bgsj"), "lsid": "lsid",
    })  # fmt: skip
    rows = with_missing(rows, ["card_no", "status", "changed_at"])
    return with_lineage(rows, "cyk_card_status_history", ["lsid"]).drop("lsid")


def transform(card_system: DataFrame, holder: DataFrame, history: DataFrame, statuses: dict[str, str],
              person_tokens: DataFrame, today: date) -> DataFrame:  # fmt: skip
    """Source rows → protected candidates with their check columns."""
    from pyspark.sql import functions as F

    cards = from_card_system(card_system, statuses).unionByName(from_holder(holder))
    cards = with_pre_made(with_document_check(cards, "id", today=today))
    changes = {"_id_check": F.lit("not_applicable"), "_pre_made": F.lit(False)}
    history = from_history(history).withColumns(changes)
    rows = with_text_check(cards.unionByName(history), ["name"])
    rows = protect(rows, PII, keep_cipher={"bank_card"})
    return with_card_check(with_person_check(rows, person_tokens)).drop("_pre_made")


def with_pre_made(cards: DataFrame) -> DataFrame:
    """``_pre_made``: a card the province made in advance for the kiosks' instant issuance (预制卡,
    ``simulators.card_system_instant``): in 卡管 with status 待激活 and no holder until a kiosk binds
    it. Such a card is clean: its holder number and name are not missing, its number is not
    checked, and it needs no person (``with_person_check``)."""
    from pyspark.sql import functions as F

    pre_made = (
        (F.col("card_source") == "card_system") & F.col("id").isNull() & F.col("name").isNull()
        & (F.col("status") == PRE_MADE_STATUS)
    )  # fmt: skip
    holder = F.array(F.lit("id"), F.lit("name"))
    holderless = F.array_join(F.array_except(F.split("_missing", ","), holder), ",")
    return cards.withColumns({
        "_pre_made": pre_made,
        "_missing": F.when(pre_made, holderless).otherwise(F.col("_missing")),
        "_id_check": F.when(pre_made, F.lit("not_applicable")).otherwise(F.col("_id_check")),
    })  # fmt: skip


def with_person_check(rows: DataFrame, person_tokens: DataFrame) -> DataFrame:
    """``_has_person``: a card row's holder is in silver.person (status changes and unbound
    pre-made cards: not applicable)."""
    from pyspark.sql import functions as F

    people = person_tokens.select(F.col("id_token").alias("_person")).distinct()
    joined = rows.join(people, F.col("id_token") == F.col("_person"), "left")
    verdict = (F.col("card_source") == "history") | F.col("_pre_made") | F.col("_person").isNotNull()
    return joined.withColumn("_has_person", verdict).drop("_person")


def with_card_check(rows: DataFrame) -> DataFrame:
    """``_has_card``: a status change belongs to a card either system knows.

    A window over the card's rows, not a self-join: the protected rows are computed once.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    card_row = F.col("card_source") != "history"
    known = F.max(card_row.cast("int")).over(Window.partitionBy("card_no")) == 1
    return rows.withColumn("_has_card", card_row | (F.col("card_no").isNotNull() & known))


def person_tokens(spark: SparkSession) -> DataFrame:
    uri = lake.table_uri("silver.person")
    if not lake.exists(uri):
        raise FileNotFoundError("silver.person 不存在，请先运行 person 作业 / run the person job first")
    return lake.spark_read(spark, uri).select("id_token")


def build(spark: SparkSession, ds: date) -> DataFrame:
    sources = extract(spark, ds)
    statuses = code_names(spark, "card_system.kgl_code", ds, "AAZ502")
    people = person_tokens(spark)
    return transform(sources["card_system"], sources["holder"], sources["history"], statuses, people, ds)


def finish(spark: SparkSession, accepted, ds: date) -> None:
    from spark_jobs import card_scd2

    card_scd2.write(spark, accepted, ds)


def main(ds: date, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds, build, finish, spark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="silver.card 社会保障卡（状态历史 SCD2）")
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    print(main(parser.parse_args().ds))
