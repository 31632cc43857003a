"""参保信息: the person token through 全民参保库's person rows; code, date and region defects quarantined."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from contracts.contract import get
from contracts.runner import enforce
from spark_jobs import insurance_enrolment as job
from tests.spark_jobs.builders import frame, id_number
from yikatong.pii import protector

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
PERSON = id_number("51110219800101123")
BRONZE = (
    "aaz159 string, aac001 string, aae140 string, aac008 string, aac030 string, aab001 string, "
    "aab003 string, aab004 string, aab301 string, aae036 timestamp, _batch_id string, _logical_date date"
)


def enrolment(key: str, **extra) -> dict:
    base = {
        "aaz159": key,
        "aac001": "51110000000001",
        "aae140": "310",
        "aac008": "1",
        "aac030": "20150301",
        "aab001": "51110200000012",
        "aab003": "9151110253345681XX",
        "aab004": "乐山某某商贸有限公司",
        "aab301": "511102",
        "aae036": dt.datetime(2026, 3, 1, 10),
        "_batch_id": "b1",
        "_logical_date": DS,
    }
    return base | extra


def test_contract(spark) -> None:
    people = spark.createDataFrame([("51110000000001", PERSON)], "_p_no string, _p_id string")
    rows = [
        enrolment("CB1"),
        enrolment("CB2", aac030="20150230"),
        enrolment("CB3", aae140=None),
        enrolment("CB4", aab301="511150"),
        enrolment("CB5", aac001="51110000000099"),
    ]
    candidates = job.transform(frame(spark, BRONZE, rows), people).toArrow()
    tokens = dict(
        zip(candidates["enrolment_id"].to_pylist(), candidates["id_token"].to_pylist(), strict=True)
    )
    assert tokens["CB1"] == protector().token(PERSON, "id_number") and tokens["CB5"] is None
    lenient = dataclasses.replace(get("insurance_enrolment"), threshold=1.0)
    outcome = enforce("insurance_enrolment", candidates, DS, contract=lenient, write=False)
    assert outcome.accepted["enrolment_id"].to_pylist() == ["CB1", "CB5"]
    failed = {(r["_source_key"], r["column"]) for r in outcome.quarantined.to_pylist()}
    assert {("CB2", "enrol_date"), ("CB3", "insurance_type"), ("CB4", "region_code")} <= failed
