"""名录: each department's columns mapped onto one shape; the newest delivery is the current directory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pyarrow as pa
import pytest

from contracts.contract import get
from contracts.runner import enforce
from spark_jobs import directory as job

DS = dt.date(2026, 11, 27)
BRONZE = (
    "dataset string, department_code string, file_name string, row_no int, record string, _batch_id string, "
    "_logical_date date"
)
LIBRARY = {
    "图书馆编码": "TSG0000",
    "图书馆名称": "乐山市图书馆",
    "乡镇街道代码": "511102008",
    "区县代码": "511102",
    "地址": "四川省乐山市市中区海棠街道嘉州大道",
    "联系电话": "0833-2100015",
}
SPOT = {
    "jqbm": "JQ0001",
    "jqmc": "乐山大佛景区",
    "xzqhdm": "511102004",
    "qxdm": "511102",
    "dz": "凌云路2435号",
    "lxdh": "0833-2100001",
    "mpjg": 80.0,
}


def record(dataset: str, row_no: int, values: dict) -> tuple:
    text = json.dumps(values, ensure_ascii=False, sort_keys=True)
    return (dataset, "WGLJ", "f.csv", row_no, text, "b1", DS)


@pytest.mark.spark
def test_mapping_and_contract(spark) -> None:
    rows = [
        record("公共图书馆名录", 1, LIBRARY),
        record("旅游景区名录", 2, SPOT),
        record("旅游景区名录", 3, SPOT | {"jqbm": "JQ0002", "xzqhdm": "511181001"}),
        record("旅游景区名录", 4, SPOT | {"jqbm": "", "jqmc": "无编码景区"}),
        record("未知名录", 5, {"x": "1"}),
    ]
    mapping = spark.createDataFrame(job.mapping_table())
    candidates = job.transform(spark.createDataFrame(rows, BRONZE), mapping).toArrow()
    by_row = {r["row_no"]: r for r in candidates.to_pylist()}
    assert (
        by_row[1]["code"] == "TSG0000"
        and by_row[1]["kind"] == "图书馆"
        and by_row[1]["phone"] == "0833-2100015"
    )
    assert by_row[2]["township_code"] == "511102004" and json.loads(by_row[2]["attributes"]) == {
        "mpjg": "80.0"
    }
    assert by_row[2]["department"] == "乐山市文化广电旅游局" and by_row[4]["code"] is None
    lenient = dataclasses.replace(get("directory"), threshold=1.0)
    outcome = enforce("directory", candidates, DS, contract=lenient, write=False)
    assert sorted(outcome.accepted["row_no"].to_pylist()) == [1, 2]
    failed = {(r["_source_key"], r["column"]) for r in outcome.quarantined.to_pylist()}
    assert {("f.csv|3", "_township_in_county"), ("f.csv|4", "code"), ("f.csv|5", "kind")} <= failed


def test_current_directory_is_the_newest_delivery() -> None:
    table = pa.table(
        {
            "dataset": ["a", "a", "a", "b"],
            "code": ["1", "2", "1", "9"],
            "_logical_date": [
                dt.date(2026, 10, 1),
                dt.date(2026, 10, 1),
                dt.date(2026, 11, 1),
                dt.date(2026, 10, 1),
            ],
        }
    )
    current = job.current(table)
    assert list(zip(current["dataset"].to_pylist(), current["code"].to_pylist(), strict=True)) == [
        ("a", "1"),
        ("b", "9"),
    ]
