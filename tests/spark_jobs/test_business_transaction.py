"""经办业务流水: the 经办人 (staff) is masked and tokenised; missing staff and future times quarantined."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from contracts.contract import get
from contracts.runner import enforce
from spark_jobs import business_transaction as job
from tests.spark_jobs.builders import frame, id_number
from yikatong.pii import protector

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
CLIENT = id_number("51110219800101123")
BRONZE = (
    "aae076 string, ywlx string, ywlxmc string, aac002 string, aac003 string, aae011 string, jbjgbm string, "
    "jbjgmc string, aab301 string, jysj timestamp, aae036 timestamp, _batch_id string, _logical_date date"
)
AT = dt.datetime(2026, 11, 20, 10)


def transaction(flow: str, **extra) -> dict:
    base = {
        "aae076": flow,
        "ywlx": "0101",
        "ywlxmc": "社保卡申领",
        "aac002": CLIENT,
        "aac003": "李明",
        "aae011": "欧阳娜娜",
        "jbjgbm": "511102004001",
        "jbjgmc": "大佛街道便民服务中心",
        "aab301": "511102",
        "jysj": AT,
        "aae036": AT,
        "_batch_id": "b1",
        "_logical_date": DS,
    }
    return base | extra


def test_staff_masked_and_contract(spark) -> None:
    names = spark.createDataFrame([(CLIENT, "李明")], "_pn_id string, _pn_name string")
    rows = [
        transaction("YW1"),
        transaction("YW2", aae011=None),
        transaction("YW3", jysj=AT + dt.timedelta(days=300)),
        transaction("YW4", aac003="李铭"),
    ]
    candidates = job.transform(frame(spark, BRONZE, rows), names, DS).toArrow()
    first = next(r for r in candidates.to_pylist() if r["transaction_id"] == "YW1")
    assert first["staff_masked"] == "欧阳**" and first["staff_token"] == protector().token("欧阳娜娜", "name")
    assert first["business_type"] == "0101" and first["business_type_name"] == "社保卡申领"
    assert "aae011" not in candidates.column_names
    lenient = dataclasses.replace(get("business_transaction"), threshold=1.0)
    outcome = enforce("business_transaction", candidates, DS, contract=lenient, write=False)
    assert outcome.accepted["transaction_id"].to_pylist() == ["YW1"]
    failed = {(r["_source_key"], r["column"]) for r in outcome.quarantined.to_pylist()}
    assert {("YW2", "staff_token"), ("YW3", "transacted_at"), ("YW4", "_name_ok")} <= failed
