"""医保结算: the patient's name against the master data, amounts, times and the institution."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest

from contracts.contract import get
from contracts.runner import enforce
from simulators.dirt import name_variant
from spark_jobs import medical_settlement as job
from tests.spark_jobs.builders import id_number

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
PATIENT = id_number("51110219500101123")
BRONZE = (
    "aae076 string, aac002 string, aac003 string, akb020 string, akb021 string, jglx string, aka130 string, "
    "akc264 decimal(12,2), ake039 decimal(12,2), akb066 decimal(12,2), akb067 decimal(12,2), jzlx string, "
    "aaz500 string, jssj timestamp, aab301 string, aae036 timestamp, _batch_id string, _logical_date date"
)
AT = dt.datetime(2026, 11, 20, 10)


def frame(spark, schema: str, rows: list[dict]):
    """Like ``builders.frame`` for schemas with ``decimal(p,s)`` (a comma inside the type)."""
    names = [part.strip().split(" ")[0] for part in re.split(r",(?![^()]*\))", schema)]
    return spark.createDataFrame([tuple(row.get(n) for n in names) for row in rows], schema)


def settlement(flow: str, **extra) -> dict:
    base = {
        "aae076": flow,
        "aac002": PATIENT,
        "aac003": "王伟",
        "akb020": "P5111020001",
        "akb021": "乐山老百姓大药房（大佛街道店）",
        "jglx": "药店",
        "aka130": "41",
        "akc264": Decimal("53.88"),
        "ake039": Decimal("0"),
        "akb066": Decimal("40"),
        "akb067": Decimal("13.88"),
        "jzlx": "社保卡",
        "aaz500": "B00000001",
        "jssj": AT,
        "aab301": "511102",
        "aae036": AT,
        "_batch_id": "b1",
        "_logical_date": DS,
    }
    return base | extra


def test_contract(spark) -> None:
    names = spark.createDataFrame([(PATIENT, "王伟")], "_pn_id string, _pn_name string")
    rows = [
        settlement("JS1"),
        settlement("JS2", aac003=name_variant("王伟")),
        settlement("JS3", akc264=Decimal("-53.88")),
        settlement("JS4", jssj=AT + dt.timedelta(days=400)),
        settlement("JS5", akb020=None),
    ]
    candidates = job.transform(frame(spark, BRONZE, rows), names, DS).toArrow()
    assert "aac002" not in candidates.column_names and "aac003" not in candidates.column_names
    lenient = dataclasses.replace(get("medical_settlement"), threshold=1.0)
    outcome = enforce("medical_settlement", candidates, DS, contract=lenient, write=False)
    assert outcome.accepted["settlement_id"].to_pylist() == ["JS1"]
    failed = {(r["_source_key"], r["column"]) for r in outcome.quarantined.to_pylist()}
    assert {
        ("JS2", "_name_ok"),
        ("JS3", "total_amount"),
        ("JS4", "settled_at"),
        ("JS5", "institution_code"),
    } <= failed
