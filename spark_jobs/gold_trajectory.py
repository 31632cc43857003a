"""轨迹汇集库 (aggregation store, seed 5.4): ``silver.card_use_event`` → ``gold.trajectory_monthly``.

One row per person token, month (Beijing business month of the event), trajectory kind (轨迹类别)
and place (乡镇/街道 ``place_code`` with its county): events, successful events, amount, first and
last event time. Built from every event batch up to the logical date, so the table is the state as
of that date and a rerun of the date writes identical rows. Only tokens, codes and figures: no
personal data. Run: ``python -m spark_jobs.gold --ds 2026-11-27`` (with the portrait store).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

TABLE = "gold.trajectory_monthly"
KEYS = ["id_token", "month", "trajectory_kind", "county_code", "place_code"]
COLUMNS = [*KEYS, "events", "successful_events", "amount_total", "first_event_at", "last_event_at",
           "as_of_date"]  # fmt: skip
EVENT_COLUMNS = ["id_token", "event_date", "event_time", "trajectory_kind", "county_code", "place_code",
                 "amount", "result"]  # fmt: skip


def extract(spark: SparkSession, ds: date) -> DataFrame:
    """Every accepted card-use event of the batches up to ``ds`` (silver keeps one row per event)."""
    from pyspark.sql import functions as F

    events = lake.spark_read(spark, lake.table_uri("silver.card_use_event"))
    return events.where(F.col("_logical_date") <= F.lit(ds)).select(*EVENT_COLUMNS)


def transform(events: DataFrame, ds: date) -> DataFrame:
    """Per person, month, kind and place: counts, amount (2 decimals), first and last event time."""
    from pyspark.sql import functions as F

    monthly = events.withColumn("month", F.date_format("event_date", "yyyy-MM"))
    grouped = monthly.groupBy(*KEYS).agg(
        F.count(F.lit(1)).alias("events"),
        F.count(F.when(F.col("result") == "成功", 1)).alias("successful_events"),
        F.sum(F.coalesce(F.col("amount").cast("decimal(18,2)"), F.lit(0).cast("decimal(18,2)"))).alias(
            "amount_total"
        ),
        F.min("event_time").alias("first_event_at"),
        F.max("event_time").alias("last_event_at"),
    )
    return grouped.withColumn("as_of_date", F.lit(ds)).select(*COLUMNS)


def load(df: DataFrame) -> int:
    """Replace the table (one Delta commit), partitioned by month; returns its row count.

    The aggregate goes to the writer as it comes out of the shuffle: no repartition by month (the
    Delta writer splits by partition itself) and no cache; the count comes from the written files.
    """
    uri = lake.table_uri(TABLE)
    lake.spark_write(df, uri, "overwrite", partition_by=["month"])
    return lake.read(uri, columns=[]).num_rows


def main(ds: date, spark: SparkSession) -> int:
    """Build and write the aggregation store for ``ds``; returns its row count."""
    return load(transform(extract(spark, ds), ds))
