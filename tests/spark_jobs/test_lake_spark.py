"""Spark through the Delta helper: parquet stage + delta-rs commit, and snapshot reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.testing import assertDataFrameEqual

from yikatong import lake

pytestmark = pytest.mark.spark

SCHEMA = (
    "card_id long, holder string, ds date, fee decimal(12,2), issued_at timestamp, local_at timestamp_ntz"
)
ROWS = [
    (1, "乐山", dt.date(2026, 1, 1), Decimal("10.50"), dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC), None),
    (2, None, dt.date(2026, 1, 2), None, None, dt.datetime(2026, 1, 2, 9, 30)),
    (3, "a b/c=d", dt.date(2026, 1, 2), Decimal("-1.25"), dt.datetime(1950, 6, 1, tzinfo=dt.UTC), None),
]
ARROW_SCHEMA = pa.schema(
    [
        ("card_id", pa.int64()),
        ("holder", pa.string()),
        ("ds", pa.date32()),
        ("fee", pa.decimal128(12, 2)),
        ("issued_at", pa.timestamp("us", tz="UTC")),
        ("local_at", pa.timestamp("us")),
    ]
)


@pytest.fixture
def cards(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(ROWS, SCHEMA)


def staged_leftovers(uri: str) -> list[Path]:
    return list((Path(uri) / "_staging").glob("*"))


@pytest.mark.parametrize("partition_by", [None, ["holder"], ["ds", "holder"]])
def test_round_trip_keeps_types_and_values(
    spark: SparkSession, cards: DataFrame, tmp_path: Path, partition_by: list[str] | None
) -> None:
    uri = str(tmp_path / "cards")
    lake.spark_write(cards, uri, partition_by=partition_by)
    written = lake.read(uri).sort_by("card_id")
    assert written.schema == ARROW_SCHEMA
    expected = [dict(zip(ARROW_SCHEMA.names, row, strict=True)) for row in ROWS]
    assert [row | {"issued_at": None} for row in written.to_pylist()] == [
        row | {"issued_at": None} for row in expected
    ]
    assert written["issued_at"].to_pylist()[0] == dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    assertDataFrameEqual(lake.spark_read(spark, uri), cards, checkRowOrder=False)
    assert lake.spark_read(spark, uri).schema == cards.schema
    assert staged_leftovers(uri) == []


@pytest.mark.parametrize("partition_by", [None, ["ds"]])
def test_empty_table_reads_as_empty_frame_with_schema(
    spark: SparkSession, cards: DataFrame, tmp_path: Path, partition_by: list[str] | None
) -> None:
    uri = str(tmp_path / "empty")
    lake.spark_write(cards.limit(0), uri, partition_by=partition_by)
    assert lake.read(uri).schema == ARROW_SCHEMA
    back = lake.spark_read(spark, uri)
    assert back.schema == cards.schema
    assert back.count() == 0


def test_replace_partition_twice_equals_once(spark: SparkSession, cards: DataFrame, tmp_path: Path) -> None:
    uri = str(tmp_path / "cards")
    day1, day2 = cards.where("ds = date'2026-01-01'"), cards.where("ds = date'2026-01-02'")
    lake.spark_write(day1, uri, "replace_partition", {"ds": dt.date(2026, 1, 1)})
    lake.spark_write(day2, uri, "replace_partition", {"ds": dt.date(2026, 1, 2)})
    once = lake.checksum(uri)
    lake.spark_write(day2, uri, "replace_partition", {"ds": dt.date(2026, 1, 2)})
    assert lake.checksum(uri) == once
    assert lake.DeltaTable(uri).metadata().partition_columns == ["ds"]
    with pytest.raises(ValueError, match="outside the partition"):
        lake.spark_write(cards, uri, "replace_partition", {"ds": dt.date(2026, 1, 2)})
    assert lake.checksum(uri) == once
    assert staged_leftovers(uri) == []


def test_partition_filter_reads_only_that_partitions_files(
    spark: SparkSession, cards: DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = str(tmp_path / "cards")
    lake.spark_write(cards, uri, partition_by=["ds", "holder"])
    opened: list[str] = []
    parquet = type(spark.read).parquet  # DataFrameReader.parquet: what spark_read opens

    def spy(reader, *paths: str, **options):
        opened.extend(paths)
        return parquet(reader, *paths, **options)

    monkeypatch.setattr(type(spark.read), "parquet", spy)
    day2 = lake.spark_read(spark, uri, partitions={"ds": dt.date(2026, 1, 2)})
    assertDataFrameEqual(day2, cards.where("ds = date'2026-01-02'"), checkRowOrder=False)
    assert day2.schema == cards.schema
    day2_files = {
        f.removeprefix("file://")
        for f in lake.DeltaTable(uri).file_uris(file_pruning_predicate=[("ds", "=", "2026-01-02")])
    }
    assert set(opened) == day2_files and len(opened) == 2, "the other day's file is not opened"
    opened.clear()
    both = lake.spark_read(spark, uri, partitions={"ds": dt.date(2026, 1, 2), "holder": "a b/c=d"})
    assert both.select("card_id").collect() == [(3,)] and len(opened) == 1
    assert lake.spark_read(spark, uri, partitions={"ds": dt.date(2025, 1, 1)}).count() == 0
    with pytest.raises(ValueError, match="not partition columns"):
        lake.spark_read(spark, uri, partitions={"card_id": 1})


def test_overwrite_and_time_travel(spark: SparkSession, cards: DataFrame, tmp_path: Path) -> None:
    uri = str(tmp_path / "cards")
    lake.spark_write(cards, uri, partition_by=["ds"])
    lake.spark_write(cards.where("card_id = 1"), uri, "overwrite")
    assert lake.spark_read(spark, uri).select("card_id").collect() == [(1,)]
    assert lake.spark_read(spark, uri, version=0).count() == 3


def test_failed_commit_leaves_the_table_as_it_was(
    spark: SparkSession, cards: DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = str(tmp_path / "cards")
    lake.spark_write(cards, uri, partition_by=["ds"])
    before = (lake.version(uri), lake.checksum(uri))

    def crash(*args: object, **kwargs: object) -> None:
        assert len(list(Path(uri, "_staging").rglob("*.parquet"))) > 0  # the stage was written
        raise RuntimeError("killed before commit")

    monkeypatch.setattr(lake, "write_deltalake", crash)
    with pytest.raises(RuntimeError, match="killed before commit"):
        lake.spark_write(cards, uri)
    monkeypatch.undo()
    assert (lake.version(uri), lake.checksum(uri)) == before
    assert lake.spark_read(spark, uri).count() == 3
    assert staged_leftovers(uri) == []


def test_plain_session_uses_the_delta_rs_path(spark: SparkSession) -> None:
    assert not lake._native_delta(spark)
    with pytest.raises(ValueError, match="unknown mode"):
        lake.spark_write(spark.range(1), "/nonexistent", mode="upsert")  # type: ignore[arg-type]
