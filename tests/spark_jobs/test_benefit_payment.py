"""待遇发放: tokens and masks instead of plaintext, and each payment defect quarantined."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest

from contracts.contract import get
from contracts.runner import enforce
from simulators.dirt import mojibake
from spark_jobs import benefit_payment as job
from tests.spark_jobs.builders import bad_check, id_number
from yikatong.pii import protector

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
PAYEE = id_number("51110219500101123")
BRONZE = (
    "aae076 string, aac002 string, aac003 string, aae140 string, dylx string, aae002 string, "
    "aae019 decimal(12,2), aae010 string, aab301 string, ffrq date, aae036 timestamp, _batch_id string, "
    "_logical_date date"
)


def frame(spark, schema: str, rows: list[dict]):
    """Like ``builders.frame`` for schemas with ``decimal(p,s)`` (a comma inside the type)."""
    names = [part.strip().split(" ")[0] for part in re.split(r",(?![^()]*\))", schema)]
    return spark.createDataFrame([tuple(row.get(n) for n in names) for row in rows], schema)


def payment(flow: str, **extra) -> dict:
    base = {
        "aae076": flow,
        "aac002": PAYEE,
        "aac003": "王伟",
        "aae140": "110",
        "dylx": "企业职工养老",
        "aae002": "202611",
        "aae019": Decimal("2600.50"),
        "aae010": "6228480871572101073",
        "aab301": "511102",
        "ffrq": dt.date(2026, 11, 5),
        "aae036": dt.datetime(2026, 11, 5, 2),
        "_batch_id": "b1",
        "_logical_date": DS,
    }
    return base | extra


@pytest.fixture(scope="module")
def candidates(spark):
    rows = [
        payment("DY1"),
        payment("DY2", aae019=Decimal("-2600.50")),
        payment("DY3", aac002=bad_check(PAYEE)),
        payment("DY4", aab301="511199"),
        payment("DY5", aac003=mojibake("王伟")),
        payment("DY6", aae010=None),
        payment("DY7", ffrq=dt.date(2027, 1, 5)),
    ]
    return job.transform(frame(spark, BRONZE, rows), DS).toArrow()


def test_personal_data_is_protected(candidates) -> None:
    row = next(r for r in candidates.to_pylist() if r["payment_id"] == "DY1")
    assert row["id_token"] == protector().token(PAYEE, "id_number")
    assert row["name_masked"] == "王*" and row["bank_account_masked"] == "622848*********1073"
    assert row["bank_account_token"] == protector().token("6228480871572101073", "bank_card")
    assert not {"aac002", "aac003", "aae010"} & set(candidates.column_names)
    assert row["amount"] == Decimal("2600.50") and row["_source_table"] == "ywk_benefit_payment"


def test_contract(candidates) -> None:
    lenient = dataclasses.replace(get("benefit_payment"), threshold=1.0)
    outcome = enforce("benefit_payment", candidates, DS, contract=lenient, write=False)
    assert outcome.accepted["payment_id"].to_pylist() == ["DY1"]
    failed = {(r["_source_key"], r["column"]) for r in outcome.quarantined.to_pylist()}
    assert {
        ("DY2", "amount"),
        ("DY3", "_id_check"),
        ("DY4", "region_code"),
        ("DY5", "_text_ok"),
        ("DY6", "bank_account_token"),
        ("DY7", "paid_on"),
    } <= failed
