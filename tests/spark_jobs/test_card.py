"""社会保障卡: candidates from both systems and the history, and the SCD2 status periods."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import SparkSession

from spark_jobs import card, card_scd2
from tests.spark_jobs.builders import CYK_CARD, HISTORY, KGL, T0, frame, id_number, kgl
from yikatong.pii import protector

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
HOLDER = id_number("51110219900101123")
STRANGER = id_number("51110219700303345")
STATUSES = {"0": "待激活", "1": "正常", "2": "正式挂失", "4": "临时挂失", "9": "注销"}
DAY = dt.timedelta(days=1)


def cyk_card(card_no: str, number: str, **extra) -> dict:
    base = {"aaz500": card_no, "aac002": number, "kzt": "正常", "yhbm": "102",
            "yhkh": "6222020000000000001", "fkrq": dt.date(2020, 6, 1), "yxqz": dt.date(2030, 6, 1),
            "fkd": "511102", "aae036": T0}  # fmt: skip
    return base | extra


@pytest.fixture(scope="module")
def candidates(spark: SparkSession):
    cards = frame(spark, KGL, [
        kgl("B00000001", HOLDER, "王伟", aaz502="1"),  # activated: two changes
        kgl("B00000002", HOLDER, "王伟", aaz502="9", aae036=T0 + 9 * DAY),  # history lags behind: 注销 wins
        kgl("B00000003", HOLDER, "王伟"),  # no history at all
        kgl("B00000004", STRANGER, "赵五"),  # nobody's card
        kgl("A00000005", None, None, aaz502="0"),  # a pre-made card for a kiosk: nobody's yet
        kgl("A00000006", None, None, aaz502="1"),  # no holder, yet 正常: not a pre-made card
    ])  # fmt: skip
    holder = frame(spark, CYK_CARD, [cyk_card("B00000001", HOLDER, fkd="511111")])
    history = frame(spark, HISTORY, [
        {"lsid": 1, "aaz500": "B00000001", "xzt": "待激活", "bgsj": T0, "bgyy": "制卡完成"},
        {"lsid": 2, "aaz500": "B00000001", "yzt": "待激活", "xzt": "正常", "bgsj": T0 + DAY,
         "bgyy": "领卡启用"},
        {"lsid": 3, "aaz500": "B00000002", "xzt": "正常", "bgsj": T0, "bgyy": "领卡启用"},
        {"lsid": 4, "aaz500": "B99999999", "xzt": "正常", "bgsj": T0, "bgyy": "领卡启用"},
    ])  # fmt: skip
    people = spark.createDataFrame([(protector().token(HOLDER, "id_number"),)], "id_token string")
    return card.transform(cards, holder, history, STATUSES, people, DS).cache()


def test_checks(candidates) -> None:
    rows = {r["_row_id"]: r for r in candidates.collect()}
    assert rows["kgl_card:B00000004"]["_has_person"] is False
    assert rows["cyk_card_status_history:4"]["_has_card"] is False
    assert rows["kgl_card:B00000001"]["status"] == "正常" and rows["kgl_card:B00000001"]["_id_check"] == "ok"
    assert rows["cyk_card_status_history:1"]["_id_check"] == "not_applicable"
    pre_made, holderless = rows["kgl_card:A00000005"], rows["kgl_card:A00000006"]
    assert (pre_made["_has_person"], pre_made["_missing"]) == (True, "")
    assert pre_made["_id_check"] == "not_applicable"
    assert holderless["_has_person"] is False and holderless["_missing"] == "id,name"
    assert "_pre_made" not in candidates.columns
    assert (
        "bank_card" not in candidates.columns
        and rows["kgl_card:B00000001"]["bank_card_masked"] == "622202*********0001"
    )


def test_scd2_periods(candidates) -> None:
    accepted = candidates.where("_has_person and _has_card")
    rows = card_scd2.scd2(accepted).orderBy("card_no", "card_version").collect()
    got = [
        (r["card_no"], r["card_version"], r["status"], r["valid_from"], r["valid_to"], r["is_current"])
        for r in rows
    ]
    assert got == [
        ("A00000005", 1, "待激活", dt.datetime(2020, 6, 1), None, True),  # the pre-made card, unbound
        ("B00000001", 1, "待激活", T0, T0 + DAY, False),
        ("B00000001", 2, "正常", T0 + DAY, None, True),
        ("B00000002", 1, "正常", T0, T0 + 9 * DAY, False),
        ("B00000002", 2, "注销", T0 + 9 * DAY, None, True),
        ("B00000003", 1, "正常", dt.datetime(2020, 6, 1), None, True),
    ]
    assert all(r["e_card_status"] == r["status"] for r in rows)
    assert rows[1]["region_code"] == "511102" and rows[1]["sources"] == "card_system,holder"  # 卡管 wins
    assert rows[0]["id_token"] is None


def test_disagreement_is_a_repair(candidates) -> None:
    accepted = candidates.where("_has_person and _has_card")
    repairs = [
        (r["_row_id"], r["column"], r["repaired_to"]) for r in card_scd2.disagreements(accepted).collect()
    ]
    assert repairs == [("cyk_card:B00000001", "fkd", "511102")]
