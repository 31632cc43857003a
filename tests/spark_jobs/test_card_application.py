"""社保卡申领: codes decoded, the stage timeline checked, the current stage and stage hours."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import SparkSession

from spark_jobs import card_application
from tests.spark_jobs.builders import T0, frame, id_number

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
H = dt.timedelta(hours=1)
APPLY = ", ".join(
    [f"{c} string" for c in ("sqid", "aac002", "aac058", "aac003", "aab301", "ywlx", "sqqd")]
    + ["applytime timestamp", "shzt string", "shsj timestamp", "shyj string", "aae008 string"]
    + ["banktime timestamp", "provincetime timestamp", "batchno string", "zxwz string", "aaz500 string"]
    + ["citytime timestamp", "citysendtime timestamp", "lkwdbm string", "citysendaddr string"]
    + ["gettime timestamp", "aae036 timestamp"]
)
CODES = {
    "business_type": {"1": "申领"},
    "channel": {"01": "自助一体机"},
    "review_state": {"1": "审核通过", "2": "审核不通过"},
}


def application(sqid: str, **extra) -> dict:
    base = {"sqid": sqid, "aac002": id_number("51110219900101123"), "aac058": "01", "aac003": "王伟",
            "aab301": "511102", "ywlx": "1", "sqqd": "01", "applytime": T0, "shzt": "1",
            "aae036": T0}  # fmt: skip
    return base | extra


@pytest.fixture(scope="module")
def rows(spark: SparkSession):
    done = {"banktime": T0 + 2 * H, "provincetime": T0 + 26 * H, "citytime": T0 + 50 * H,
            "citysendtime": T0 + 74 * H, "gettime": T0 + 98 * H}  # fmt: skip
    df = frame(spark, APPLY, [
        application("SQ1", **done),
        application("SQ2", banktime=T0 + 2 * H, provincetime=T0 + H),  # made before the account was opened
        application("SQ3", shzt="2", shyj="照片不合格"),
        application("SQ4", sqqd="99"),
        application("SQ5", aac002="12345678", aac058="07"),  # a 台湾通行证 some registry holds
        application("SQ6", aac002="12340230", aac058="07"),  # one nobody holds
    ])  # fmt: skip
    registry = spark.createDataFrame([("12345678",), (id_number("51110219900101123"),)], "number string")
    out = card_application.transform(df, CODES, registry, DS).collect()
    return {r["application_id"]: r for r in out}


def test_stage_order(rows) -> None:
    assert rows["SQ1"]["_stages_ordered"] is True and rows["SQ2"]["_stages_ordered"] is False


def test_permits_without_check_character_must_be_known(rows) -> None:
    assert rows["SQ5"]["_permit_known"] is True and rows["SQ5"]["_id_check"] == "ok"
    assert rows["SQ6"]["_permit_known"] is False and rows["SQ1"]["_permit_known"] is True


def test_current_stage_and_hours(rows) -> None:
    assert rows["SQ1"]["current_stage"] == "已领卡" and rows["SQ1"]["hours_total"] == 98.0
    assert rows["SQ1"]["hours_to_bank_opened"] == 2.0 and rows["SQ1"]["hours_to_picked_up"] == 24.0
    assert rows["SQ3"]["current_stage"] == "审核不通过" and rows["SQ3"]["review_state"] == "审核不通过"
    assert rows["SQ2"]["current_stage"] == "省级已制卡"


def test_codes_and_protection(rows) -> None:
    assert rows["SQ1"]["channel"] == "自助一体机" and rows["SQ4"]["channel"] == "未知(99)"
    assert rows["SQ1"]["id_masked"].startswith("511102****") and "id" not in rows["SQ1"].asDict()
    assert rows["SQ1"]["_missing"] == "" and rows["SQ1"]["_id_check"] == "ok"
