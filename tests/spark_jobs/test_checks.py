"""Check columns of the business and event datasets: document numbers, names against the masters, cards."""

from __future__ import annotations

import pytest

from spark_jobs.checks import document_verdict, with_card_check, with_name_check
from tests.spark_jobs.builders import bad_check, id_number

VALID = id_number("51110219900101123")


@pytest.mark.parametrize(
    ("number", "verdict"),
    [
        (VALID, "ok"),
        (VALID.lower(), "ok"),
        (bad_check(VALID), "bad_check_digit"),
        ("51110219900230123" + "4", "bad_birth_date"),
        ("H12345678", "ok"),  # 港澳居民来往内地通行证
        ("12345678", "ok"),  # 台湾居民来往大陆通行证
        (id_number("95170419670501305"), "ok"),  # 外国人永久居留身份证
        (bad_check(id_number("95170419670501305")), "bad_check_digit"),
        ("5111021990", "bad_length"),
        (None, "null"),
        ("  ", "null"),
    ],
)
def test_document_verdict(number, verdict) -> None:
    assert document_verdict(number) == verdict


@pytest.mark.spark
def test_name_agrees_with_the_masters(spark) -> None:
    other = id_number("51110219800101456")
    names = spark.createDataFrame(
        [(VALID, "王伟"), (other, "李明"), (other, "李铭")], "_pn_id string, _pn_name string"
    )  # `other`: the masters disagree 1:1, both spellings stand
    rows = spark.createDataFrame(
        [
            ("1", VALID, "王伟"),
            ("2", VALID, "王玮"),
            ("3", VALID, "王\u3000伟"),
            ("4", other, "李铭"),
            ("5", id_number("51110219700101789"), "赵六"),
            ("6", VALID, None),
            ("7", VALID, "王 伟"),
        ],
        "k string, aac002 string, aac003 string",
    )
    checked = {r["k"]: r["_name_ok"] for r in with_name_check(rows, names, "aac002", "aac003").collect()}
    assert checked == {"1": True, "2": False, "3": False, "4": True, "5": True, "6": False, "7": False}


@pytest.mark.spark
def test_card_must_be_in_the_master(spark) -> None:
    cards = spark.createDataFrame([("B00000001",)], "_cm_card string")
    rows = spark.createDataFrame([("B00000001",), ("X90000001",), (None,)], "card_no string")
    checked = {r["card_no"]: r["_has_card"] for r in with_card_check(rows, cards).collect()}
    assert checked == {"B00000001": True, "X90000001": False, None: False}
