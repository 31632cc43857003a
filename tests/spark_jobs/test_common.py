"""The silver job toolkit on small frames: newest versions, check columns, protection, lineage."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import SparkSession
from pyspark.testing import assertDataFrameEqual

from spark_jobs import common
from yikatong.pii import protector

pytestmark = pytest.mark.spark
T1, T2 = dt.datetime(2026, 1, 1, 9), dt.datetime(2026, 1, 2, 9)
D1, D2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)


def test_latest_keeps_the_newest_version_per_key(spark: SparkSession) -> None:
    rows = [("a", "old", T1, D1), ("a", "new", T2, D2), ("b", "only", T1, D1), ("c", "late batch", T1, D2),
            ("c", "early batch", T1, D1)]  # fmt: skip
    df = spark.createDataFrame(rows, "k string, v string, aae036 timestamp, _logical_date date")
    got = common.latest(df, ["k"]).select("k", "v")
    assertDataFrameEqual(
        got, spark.createDataFrame([("a", "new"), ("b", "only"), ("c", "late batch")], "k string, v string")
    )


def test_id_and_text_checks(spark: SparkSession) -> None:
    rows = [
        ("11010519491231002X", "张三"),
        ("110105194912310021", "寮犱笁"),
        (None, "阿依·木呷"),
        ("123", None),
    ]
    df = spark.createDataFrame(rows, "id string, name string")
    got = common.with_text_check(common.with_id_check(df, "id"), ["name"]).select("_id_check", "_text_ok")
    expected = [("ok", True), ("bad_check_digit", False), ("null", True), ("bad_length", True)]
    assertDataFrameEqual(got, spark.createDataFrame(expected, "_id_check string, _text_ok boolean"))


def test_protect_replaces_plaintext_by_token_cipher_and_mask(spark: SparkSession) -> None:
    df = spark.createDataFrame([("k1", "11010519491231002X", "13800138000"), ("k2", None, None)],
                               "k string, id string, phone string")  # fmt: skip
    got = common.protect(df, {"id": "id_number", "phone": "phone"}, keep_cipher={"id"})
    assert got.columns == ["k", "id_token", "id_cipher", "id_masked", "phone_token", "phone_masked"]
    rows = {r["k"]: r for r in got.collect()}
    guard = protector()
    assert rows["k1"]["id_token"] == guard.token("11010519491231002X", "id_number")
    assert guard.decrypt(rows["k1"]["id_cipher"], "id_number") == "11010519491231002X"
    assert rows["k1"]["id_masked"] == "110105********002X" and rows["k1"]["phone_masked"] == "138****8000"
    assert rows["k2"]["id_token"] is None and rows["k2"]["id_cipher"] is None


def test_lineage(spark: SparkSession) -> None:
    df = spark.createDataFrame([("CODE", "1")], "codetype string, code string")
    got = common.with_lineage(df, "kgl_code", ["codetype", "code"]).select(
        "_source_table", "_source_key", "_row_id"
    )
    assert got.collect()[0].asDict() == {
        "_source_table": "kgl_code",
        "_source_key": "CODE|1",
        "_row_id": "kgl_code:CODE|1",
    }
