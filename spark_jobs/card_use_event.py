"""用卡轨迹 (card-use events, seed 5.3): the message stream → ``silver.card_use_event``.

Each message names its business scenario (``scene_code``); the trajectory kind (轨迹类别: 身份凭证类,
身份校验类, 非医保消费类, 待遇发放类, 信息查询类) comes from the platform's scenario code table
``spark_jobs/reference/scenes.csv`` (in production agreed with each business system). The card must
exist in the card master (卡管系统 / 持卡库), the holder's number becomes a token and a mask.
The table is partitioned by event date (Beijing business date); a rerun of a logical date replaces
exactly its batch's rows. Run: ``python -m spark_jobs.card_use_event --ds 2026-11-27``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.csv as pa_csv

from spark_jobs.batches import LINEAGE, batch_rows, parse_ds, write_batch
from spark_jobs.checks import card_numbers, with_card_check, with_protected_numbers
from spark_jobs.common import RunResult, run, with_lineage

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

DATASET = "card_use_event"
ROUTE = "card_events.card_events"
SOURCE_TABLE = "card_events"
SCENES = Path(__file__).with_name("reference") / "scenes.csv"
BUSINESS_TZ = "Asia/Shanghai"
COLUMNS = ["event_id", "card_no", "id_token", "id_masked", "event_time", "event_date", "channel",
           "terminal_id", "place_code", "county_code", "scene_code", "scene_name", "trajectory_kind",
           "amount", "merchant_name", "result"]  # fmt: skip
CHECKS = ["_has_card", "_id_check"]


def scene_table() -> pa.Table:
    """业务场景代码表: scene_code → scene_name, trajectory_kind (all text)."""
    options = pa_csv.ConvertOptions(strings_can_be_null=False)
    table = pa_csv.read_csv(SCENES, convert_options=options)
    return table.rename_columns(["scene_code", "scene_name", "trajectory_kind"])


def extract(spark: SparkSession, ds: date) -> tuple[DataFrame, DataFrame, DataFrame]:
    """The batch's messages, the card master's numbers and the scenario code table."""
    return batch_rows(spark, ROUTE, ds), card_numbers(spark, ds), spark.createDataFrame(scene_table())


def transform(events: DataFrame, cards: DataFrame, scenes: DataFrame, ds: date) -> DataFrame:
    """Typed by scenario, checked against the card master, the holder's number protected."""
    from pyspark.sql import functions as F

    typed = events.join(F.broadcast(scenes), "scene_code", "left")
    # the card master's numbers (one narrow column, a few million at a city's scale) go to every
    # task: a sort-merge join would shuffle and sort all of the day's messages
    known = with_card_check(typed, F.broadcast(cards))
    protected = with_protected_numbers(known, "id_number", today=ds)
    conformed = protected.select(
        "*",
        F.col("id_number_token").alias("id_token"),
        F.col("id_number_masked").alias("id_masked"),
        F.to_date(F.from_utc_timestamp("event_time", BUSINESS_TZ)).alias("event_date"),
        F.substring("place_code", 1, 6).alias("county_code"),
    )
    return with_lineage(conformed, SOURCE_TABLE, ["event_id"]).select(*COLUMNS, *CHECKS, *LINEAGE)


def build(spark: SparkSession, ds: date) -> DataFrame:
    return transform(*extract(spark, ds), ds)


def finish(_spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    write_batch(DATASET, accepted, ds, partition_by=["event_date"])


def main(ds: date | None = None, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds or parse_ds(), build, finish, spark)


if __name__ == "__main__":
    print(main())
