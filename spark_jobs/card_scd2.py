"""The card's status periods (卡状态历史, SCD2) and the rule that decides between the two systems.

- Card attributes (持卡人, 发卡日期, 有效期, 发卡地, 银行, 芯片): when both systems hold the card
  and pass the contract, the card system (卡管) wins; a card only one system passes comes from
  that system. Every attribute on which an accepted 持卡库 row disagrees is written to
  ``silver.repair_log`` (rule 以卡管系统为准).
- Periods: one per accepted status change of the 持卡库 history, ordered by time then 流水号;
  ``valid_to`` is the next change (null = current). A card without history gets one period from
  its issue date. When the last change disagrees with the card's current status, the card system
  wins: a period with that status starts at the card's last change (AAE036).
- 电子社保卡 is one-to-one with the physical card and has its status: ``e_card_status = status``.

Grain: one row per card and status period; key (card_no, valid_from), ``card_version`` 1..n.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spark_jobs import repairs
from spark_jobs.ciphers import stable_ciphers
from spark_jobs.common import to_arrow
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CARD_RULE = "持卡库与卡管系统不一致时以卡管系统为准"
ATTRIBUTES = ["id_token", "id_masked", "status", "issued_on", "expires_on", "region_code", "bank_code",
              "bank_card_token", "bank_card_cipher", "bank_card_masked", "chip_no", "card_gen",
              "application_id", "changed_at"]  # fmt: skip
COMPARED = {"id_token": "aac002", "status": "kzt", "issued_on": "fkrq", "expires_on": "yxqz",
            "region_code": "fkd", "bank_code": "yhbm", "bank_card_token": "yhkh"}  # fmt: skip
COLUMNS = ["card_no", "card_version", "status", "e_card_status", "change_reason", "valid_from", "valid_to",
           "is_current", "id_token", "id_masked", "issued_on", "expires_on", "region_code", "bank_code",
           "bank_card_token", "bank_card_cipher", "bank_card_masked", "chip_no", "card_gen", "application_id",
           "sources", "updated_at"]  # fmt: skip


def masters(candidates: DataFrame) -> DataFrame:
    """One row per card: the card system's accepted row, else the 持卡库's."""
    from pyspark.sql import functions as F

    cards = candidates.where("card_source != 'history'")
    best = F.expr(f"min_by(struct({', '.join(ATTRIBUTES)}), struct(priority, _row_id))")
    sources = F.array_join(F.array_sort(F.collect_set("card_source")), ",")
    grouped = cards.groupBy("card_no").agg(best.alias("_m"), sources.alias("sources"))
    return grouped.select("card_no", "_m.*", "sources")


def periods(candidates: DataFrame, cards: DataFrame) -> DataFrame:
    """Status periods from the history, closed by a card-system period when the two disagree."""
    from pyspark.sql import functions as F

    changes = candidates.where("card_source = 'history'").select(
        "card_no", "status", "change_reason", F.col("changed_at").alias("valid_from"),
        F.col("_source_key").cast("bigint").alias("_seq"),
    )  # fmt: skip
    last = _last_change(changes)
    opening = cards.join(last, "card_no", "left_anti").select(
        "card_no", "status", F.lit("发卡（无状态变更记录）").alias("change_reason"),
        F.col("issued_on").cast("timestamp").alias("valid_from"), F.lit(0).cast("bigint").alias("_seq"),
    )  # fmt: skip
    closing = cards.join(last, "card_no").where(F.col("status") != F.col("_last_status")).select(
        "card_no", "status", F.lit("以卡管系统当前状态为准").alias("change_reason"),
        F.greatest("changed_at", F.col("_last_from") + F.expr("interval 1 second")).alias("valid_from"),
        F.lit(2**62).cast("bigint").alias("_seq"),
    )  # fmt: skip
    return changes.unionByName(opening).unionByName(closing)


def _last_change(changes: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    last = F.expr("max_by(struct(status, valid_from), struct(valid_from, _seq))")
    grouped = changes.groupBy("card_no").agg(last.alias("_l"))
    return grouped.select(
        "card_no", F.col("_l.status").alias("_last_status"), F.col("_l.valid_from").alias("_last_from")
    )


def scd2(candidates: DataFrame) -> DataFrame:
    """The silver.card rows (see the module docstring)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    cards = masters(candidates)
    spans = periods(candidates, cards)
    order = Window.partitionBy("card_no").orderBy("valid_from", "_seq")
    spans = spans.withColumn("card_version", F.row_number().over(order))
    spans = spans.withColumn("valid_to", F.lead("valid_from").over(order))
    attributes = cards.drop("status").withColumnRenamed("changed_at", "updated_at")
    rows = spans.join(attributes, "card_no").withColumn("is_current", F.col("valid_to").isNull())
    return rows.withColumn("e_card_status", F.col("status")).select(COLUMNS)


def disagreements(candidates: DataFrame) -> DataFrame:
    """Accepted 持卡库 card rows that differ from the card system's row, per column."""
    from pyspark.sql import functions as F

    ours = candidates.where("card_source = 'card_system'").select(
        "card_no", *[F.col(c).alias(f"_k_{c}") for c in COMPARED]
    )
    theirs = candidates.where("card_source = 'holder'").join(ours, "card_no")
    rows = [
        theirs.where(~F.col(c).eqNullSafe(F.col(f"_k_{c}"))).select(
            F.lit("card").alias("dataset"), "_row_id", "_source_table", "_source_key",
            F.lit(source).alias("column"), F.lit(CARD_RULE).alias("rule"),
            F.col(f"_k_{c}").cast("string").alias("repaired_to"),
        )
        for c, source in COMPARED.items()
    ]  # fmt: skip
    out = rows[0]
    for more in rows[1:]:
        out = out.unionByName(more)
    return out


def write(spark: SparkSession, candidates: DataFrame, ds: date) -> None:
    """Rebuild ``silver.card`` from all accepted candidates; record the repairs."""
    uri = lake.table_uri("silver.card")
    table = to_arrow(scd2(candidates))
    table = stable_ciphers(table, uri, {"bank_card_token": "bank_card_cipher"})
    repaired = to_arrow(disagreements(candidates))
    lake.overwrite(
        uri, table.sort_by([("card_no", "ascending"), ("card_version", "ascending")]), partition_by=[]
    )
    repairs.write("card", repaired)
