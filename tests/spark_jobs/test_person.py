"""人员: candidates from the three systems, their checks, and the golden record's survivorship."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import SparkSession

from spark_jobs import person, person_golden
from tests.spark_jobs.builders import CYK, KGL, QMCB, T0, bad_check, cyk, frame, id_number, kgl, qmcb

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
ALICE = id_number("51110219900101123")  # in all three systems; 全民参保库 has a homophone name
BOB = id_number("51112319850505234")  # 持卡库 only, a minor's guardian given
STRANGER = id_number("51110219700303345")  # only on a card


@pytest.fixture(scope="module")
def candidates(spark: SparkSession):
    insurance = frame(spark, QMCB, [qmcb(ALICE, "王玮"), qmcb(bad_check(BOB), "李四", aac001="X1")])
    holder = frame(spark, CYK, [
        cyk(ALICE, "王伟", lxdh="13911112222", aae036=T0 + dt.timedelta(days=400)),
        cyk(BOB, "李四", jhrzjlx="01", jhrzjhm=ALICE, txdz="鍥涘窛鐪佷箰"),
    ])  # fmt: skip
    cards = frame(spark, KGL, [kgl("B00000001", ALICE, "王伟"), kgl("B00000002", STRANGER, "赵五")])
    ethnic = {"01": "汉族"}
    return person.transform(insurance, holder, cards, ethnic, DS).cache()


def by_row(df) -> dict[str, dict]:
    return {row["_row_id"]: row.asDict() for row in df.collect()}


def test_one_candidate_per_source_row_and_no_plaintext(candidates) -> None:
    assert candidates.count() == 6
    assert not {"id", "name", "phone", "address", "guardian_id"} & set(candidates.columns)
    assert {"id_token", "id_cipher", "id_masked", "name_masked", "phone_masked", "address_masked"} <= set(
        candidates.columns
    )


def test_checks(candidates) -> None:
    rows = by_row(candidates)
    assert rows["qmcb_person:X1"]["_id_check"] == "bad_check_digit"
    assert rows[f"cyk_holder:CY{BOB[-10:]}"]["_text_ok"] is False
    assert rows["kgl_card:B00000002"]["_has_registry"] is False
    assert rows["kgl_card:B00000001"]["_has_registry"] is True
    alice = rows[f"qmcb_person:5111{ALICE[-10:]}"]
    assert (alice["_id_check"], alice["_text_ok"], alice["_missing"], alice["sex"]) == ("ok", True, "", "男")
    assert (
        alice["birth_date"] == dt.date(1990, 1, 1)
        and alice["ethnic"] == "汉族"
        and alice["is_migrant"] is False
    )


def test_golden_record_follows_the_survivorship_rules(spark: SparkSession, candidates) -> None:
    accepted = candidates.where("_row_id not in ('qmcb_person:X1', 'kgl_card:B00000002')")
    people = {r["id_masked"]: r.asDict() for r in person_golden.golden(accepted).collect()}
    alice = people[ALICE[:6] + "********" + ALICE[-4:]]
    assert alice["name_masked"] == "王*" and alice["name_conflict"] is True  # 王伟 outvotes 王玮 two to one
    assert alice["sources"] == "insurance,holder,card_system"
    assert alice["phone_masked"] == "139****2222"  # the most recent change (持卡库)
    assert alice["region_code"] == "511102001" and alice["county_code"] == "511102"
    bob = people[BOB[:6] + "********" + BOB[-4:]]
    assert bob["guardian_id_masked"] == ALICE[:6] + "********" + ALICE[-4:] and bob["sources"] == "holder"
    assert bob["person_sk"] == bob["id_token"]


def test_outvoted_name_is_a_repair(candidates) -> None:
    accepted = candidates.where("_row_id not in ('qmcb_person:X1', 'kgl_card:B00000002')")
    repairs = person_golden.name_repairs(accepted, person_golden.golden(accepted)).collect()
    assert [(r["_row_id"], r["column"]) for r in repairs] == [(f"qmcb_person:5111{ALICE[-10:]}", "aac003")]


def test_spaces_inside_chinese_names_are_removed(spark: SparkSession) -> None:
    df = spark.createDataFrame([("王\u3000春",), ("王春",), ("Anna Lee",), (None,)], "name string")
    got = [(r["name"], r["name_despaced"]) for r in person.despaced(df).collect()]
    assert got == [("王春", True), ("王春", False), ("Anna Lee", False), (None, False)]


def test_applications_break_a_tie(spark: SparkSession, candidates) -> None:
    # 全民参保库 says 王玮; drop the 持卡库 row so the card alone (王伟) ties with it
    accepted = candidates.where(f"_row_id in ('qmcb_person:5111{ALICE[-10:]}', 'kgl_card:B00000001')")
    assert person_golden.golden(accepted).collect()[0]["name_masked"] == "王*"  # either way masked alike
    tie = person_golden.chosen_names(accepted).collect()[0]["_chosen_name"]
    qmcb_token = accepted.where("person_system = 'insurance'").collect()[0]["name_token"]
    assert tie == qmcb_token  # a tie goes to 全民参保库
    card_token = accepted.where("person_system = 'card_system'").collect()[0]["name_token"]
    voters = spark.createDataFrame(
        [(accepted.collect()[0]["id_token"], card_token)], "id_token string, name_token string"
    )
    assert person_golden.chosen_names(accepted, voters).collect()[0]["_chosen_name"] == card_token
