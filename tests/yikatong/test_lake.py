"""The Delta helper through delta-rs only: no JVM, each test a few milliseconds to a second."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from yikatong import lake
from yikatong.settings import get_settings

DAY1 = dt.date(2026, 1, 1)
DAY2 = dt.date(2026, 1, 2)


def issuances(day: dt.date, card_ids: list[int], status: str = "issued") -> pa.Table:
    """A small card-issuance (制卡) batch for one logical date."""
    return pa.table(
        {
            "ds": pa.array([day] * len(card_ids), pa.date32()),
            "card_id": pa.array(card_ids, pa.int64()),
            "status": pa.array([status] * len(card_ids), pa.string()),
            "fee": pa.array([Decimal("10.50")] * len(card_ids), pa.decimal128(12, 2)),
            "issued_at": pa.array(
                [dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)] * len(card_ids), pa.timestamp("us", tz="UTC")
            ),
        }
    )


def rows(uri: str, **kwargs: object) -> list[dict]:
    return sorted(lake.read(uri, **kwargs).to_pylist(), key=lambda row: (row["ds"], row["card_id"]))


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return str(tmp_path / "silver" / "card_issuance")


def test_table_uri_maps_dotted_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert lake.table_uri("silver.person", tmp_path) == str(tmp_path / "silver" / "person")
    assert lake.table_uri("bronze.card_system__ac01", "s3://lake/") == "s3://lake/bronze/card_system__ac01"
    settings = get_settings()
    monkeypatch.setattr(settings, "lake_uri", "s3://other")
    assert lake.table_uri("gold.portrait") == "s3://other/gold/portrait"
    monkeypatch.setattr(settings, "lake_uri", None)
    monkeypatch.setattr(settings, "home", tmp_path)
    assert lake.default_root() == str(tmp_path / "lake")
    for bad in ("person", "silver.Person", "silver.person.x", "../etc.passwd"):
        with pytest.raises(ValueError, match="layer"):
            lake.table_uri(bad)


def test_append_creates_then_adds(uri: str) -> None:
    assert not lake.exists(uri)
    lake.append(uri, issuances(DAY1, [1, 2]), partition_by=["ds"])
    lake.append(uri, issuances(DAY2, [3]))
    assert lake.exists(uri)
    assert lake.version(uri) == 1
    assert [row["card_id"] for row in rows(uri)] == [1, 2, 3]
    assert lake.history(uri, 1)[0]["operation"] == "WRITE"


def test_replace_partition_twice_equals_once(uri: str) -> None:
    lake.replace_partition(uri, issuances(DAY1, [1, 2]), {"ds": DAY1})
    lake.replace_partition(uri, issuances(DAY2, [3, 4]), {"ds": DAY2})
    once = lake.checksum(uri)
    lake.replace_partition(uri, issuances(DAY2, [3, 4]), {"ds": "2026-01-02"})
    assert lake.checksum(uri) == once
    assert lake.version(uri) == 2
    lake.replace_partition(uri, issuances(DAY2, [5], status="reissued"), {"ds": DAY2})
    assert [(r["card_id"], r["status"]) for r in rows(uri)] == [(1, "issued"), (2, "issued"), (5, "reissued")]
    assert [f.split("/")[-2] for f in sorted(lake.DeltaTable(uri).file_uris())][:1] == ["ds=2026-01-01"]


def test_replace_partition_with_no_rows_empties_the_partition(uri: str) -> None:
    lake.replace_partition(uri, issuances(DAY1, [1]), {"ds": DAY1})
    lake.replace_partition(uri, issuances(DAY2, [2]), {"ds": DAY2})
    lake.replace_partition(uri, issuances(DAY1, []), {"ds": DAY1})
    assert [row["card_id"] for row in rows(uri)] == [2]


@pytest.mark.parametrize("as_reader", [False, True], ids=["table", "reader"])
def test_replace_partition_refuses_rows_outside_the_predicate(uri: str, as_reader: bool) -> None:
    lake.replace_partition(uri, issuances(DAY1, [1]), {"ds": DAY1})
    before = lake.checksum(uri)
    mixed = pa.concat_tables([issuances(DAY2, [2]), issuances(DAY1, [3])])
    with pytest.raises(ValueError, match="outside the partition"):
        lake.replace_partition(uri, mixed.to_reader() if as_reader else mixed, {"ds": DAY2})
    with pytest.raises(ValueError, match="lacks the partition columns"):
        lake.replace_partition(uri, issuances(DAY2, [2]), {"region": "511102"})
    assert (lake.version(uri), lake.checksum(uri)) == (0, before)


def test_merge_inserts_then_updates(uri: str) -> None:
    first = lake.merge(uri, issuances(DAY1, [1, 2]), keys=["card_id"])
    assert first["num_target_rows_inserted"] == 2
    changes = pa.concat_tables([issuances(DAY1, [2], "lost"), issuances(DAY2, [3])])
    second = lake.merge(uri, changes, ["card_id"])
    assert (second["num_target_rows_updated"], second["num_target_rows_inserted"]) == (1, 1)
    assert [(r["card_id"], r["status"]) for r in rows(uri)] == [(1, "issued"), (2, "lost"), (3, "issued")]
    again = lake.checksum(uri)
    lake.merge(uri, changes, ["card_id"])
    assert lake.checksum(uri) == again
    lake.merge(uri, issuances(DAY1, [1]), ["card_id"], when_matched="delete", when_not_matched=None)
    assert [r["card_id"] for r in rows(uri)] == [2, 3]
    with pytest.raises(ValueError, match="duplicate keys"):
        lake.merge(uri, issuances(DAY2, [7, 7]), ["card_id"])


def test_time_travel_by_version_and_timestamp(uri: str) -> None:
    lake.append(uri, issuances(DAY1, [1]))
    between = dt.datetime.now(dt.UTC)
    time.sleep(0.01)  # commit timestamps are in milliseconds
    lake.append(uri, issuances(DAY1, [2]))
    assert [r["card_id"] for r in rows(uri, version=0)] == [1]
    assert [r["card_id"] for r in rows(uri, timestamp=between)] == [1]
    assert [r["card_id"] for r in rows(uri, timestamp=between.isoformat())] == [1]
    assert [r["card_id"] for r in rows(uri)] == [1, 2]
    with pytest.raises(ValueError, match="before the table's first version"):
        lake.read(uri, timestamp=dt.datetime(2000, 1, 1))
    with pytest.raises(ValueError, match="not both"):
        lake.read(uri, version=0, timestamp=between)


def test_read_filters_and_projects(uri: str) -> None:
    lake.append(uri, pa.concat_tables([issuances(DAY1, [1, 2]), issuances(DAY2, [3])]), partition_by=["ds"])
    assert lake.read(uri, filter=[("ds", "=", DAY2)])["card_id"].to_pylist() == [3]
    either = [[("card_id", "=", 1)], [("card_id", "=", 3)]]
    assert sorted(lake.read(uri, filter=either)["card_id"].to_pylist()) == [1, 3]
    assert lake.read(uri, columns=["status"]).column_names == ["status"]


def test_overwrite_replaces_rows_schema_and_keeps_history(uri: str) -> None:
    lake.append(uri, issuances(DAY1, [1, 2]), partition_by=["ds"])
    lake.overwrite(uri, pa.table({"card_id": [9]}), partition_by=[])
    assert lake.read(uri).to_pylist() == [{"card_id": 9}]
    assert lake.read(uri, version=0).num_rows == 2
    lake.overwrite(uri, issuances(DAY2, [3]), partition_by=["ds"])
    assert [r["card_id"] for r in rows(uri)] == [3]


def test_delete_then_vacuum_destroys_the_files(uri: str) -> None:
    lake.append(uri, issuances(DAY1, [1, 2]), partition_by=["ds"])
    lake.append(uri, issuances(DAY2, [3]))
    old_files = set(lake.DeltaTable(uri).file_uris())
    assert lake.delete(uri, "card_id = 3")["num_deleted_rows"] == 1
    assert all(Path(f).exists() for f in old_files)  # a delete only unlinks files from the log
    removed = lake.vacuum(uri)
    assert removed
    remaining = {str(p) for p in Path(uri).rglob("*.parquet")}
    assert remaining == set(lake.DeltaTable(uri).file_uris())
    assert not any(p.endswith(r.split("/")[-1]) for p in remaining for r in removed)
    assert [r["card_id"] for r in rows(uri)] == [1, 2]
    with pytest.raises(ValueError, match="needs a predicate"):
        lake.delete(uri, " ")


def test_checksum_ignores_row_order_and_file_layout(tmp_path: Path) -> None:
    whole, split = str(tmp_path / "whole"), str(tmp_path / "split")
    data = pa.concat_tables([issuances(DAY1, [1, 2]), issuances(DAY2, [3])])
    lake.append(whole, data)
    lake.append(split, data.slice(2), partition_by=["ds"])
    lake.append(split, data.slice(0, 2))
    assert lake.checksum(whole) == lake.checksum(split)
    lake.merge(split, issuances(DAY1, [1], "lost"), ["card_id"])
    assert lake.checksum(whole) != lake.checksum(split)


def test_reading_does_not_abort_the_interpreter_at_exit(uri: str) -> None:
    """delta-rs's default pyarrow filesystem aborts Python at exit after a threaded read."""
    lake.append(uri, issuances(DAY1, [1]))
    code = f"from yikatong import lake; print(lake.read({uri!r}).num_rows)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "1"), done.stderr


def test_spark_session_needs_java(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lake, "_java_binary", lambda: None)
    with pytest.raises(lake.JavaNotFoundError, match="openjdk-17-jre-headless"):
        lake.spark_session()
    old_java = tmp_path / "java"
    old_java.write_text("#!/bin/sh\necho 'java version \"1.8.0_292\"' >&2\n")
    old_java.chmod(0o755)
    assert lake._java_major(str(old_java)) == 8
    assert lake._java_major("/usr/bin/java") >= 17


def test_spark_paths_use_hadoops_s3_scheme() -> None:
    assert lake._spark_path("s3://lake/silver/person") == "s3a://lake/silver/person"
    assert lake._spark_path("/var/lake/silver/person") == "/var/lake/silver/person"


def test_session_conf_suits_local_and_cluster_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YKT_SPARK_DRIVER_MEMORY", "1g")
    local = lake._session_conf({"spark.sql.shuffle.partitions": "8"})
    assert (local["spark.master"], local["spark.driver.memory"]) == ("local[2]", "1g")
    assert (local["spark.sql.shuffle.partitions"], local["spark.driver.host"]) == ("8", "127.0.0.1")
    assert local["spark.sql.parquet.outputTimestampType"] == "TIMESTAMP_MICROS"
    cluster = lake._session_conf({"spark.master": "spark://spark-master:7077"})
    assert "spark.driver.host" not in cluster
