"""制卡批次, 回盘 and 金融账户: the small card-domain tables' transforms on hand-made rows."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import SparkSession

from spark_jobs import bank_account, card_batch, card_writeback
from tests.spark_jobs.builders import T0, bad_check, frame, id_number

pytestmark = pytest.mark.spark
DS = dt.date(2026, 11, 27)
H = dt.timedelta(hours=1)
BATCH = "batchno string, aae008 string, zksl int, zksj timestamp, jssj timestamp, aae036 timestamp"
WRITEBACK = ("hpid string, aaz500 string, aae010 string, chipno string, hpjg string, cwxx string, "
             "cscs smallint, hpsj timestamp, aae036 timestamp")  # fmt: skip
ACCOUNT = ("zhid string, aac002 string, aaz500 string, yhbm string, yhmc string, khwd string, yhkh string, "
           "khrq date, zhzt string, aae036 timestamp")  # fmt: skip


def by_key(df, key: str) -> dict[str, dict]:
    return {row[key]: row.asDict() for row in df.collect()}


def test_card_batch(spark: SparkSession) -> None:
    rows = frame(spark, BATCH, [
        {"batchno": "PC1", "aae008": "102", "zksl": 3, "zksj": T0, "jssj": T0 + 24 * H, "aae036": T0},
        {"batchno": "PC2", "aae008": "999", "zksl": 1, "zksj": T0, "jssj": T0 - H, "aae036": T0},
    ])  # fmt: skip
    got = by_key(card_batch.transform(rows, {"102": "中国工商银行"}), "batch_no")
    assert got["PC1"]["bank_name"] == "中国工商银行" and got["PC1"]["_times_ordered"] is True
    assert got["PC2"]["bank_name"] == "未知(999)" and got["PC2"]["_times_ordered"] is False
    assert got["PC1"]["_row_id"] == "kgl_batch:PC1" and got["PC1"]["_missing"] == ""


def test_card_writeback(spark: SparkSession) -> None:
    rows = frame(spark, WRITEBACK, [
        {"hpid": "B1-1", "aaz500": "B1", "aae010": "6222020000000000001", "hpjg": "失败",
         "cwxx": "省平台接口超时", "cscs": 1, "hpsj": T0, "aae036": T0},
        {"hpid": "B1-2", "aaz500": "B1", "aae010": "6222020000000000001", "hpjg": "成功", "cscs": 2,
         "hpsj": T0 + H, "aae036": T0 + H},
        {"hpid": "B9-1", "aaz500": "B9", "hpjg": "失败", "cscs": 1, "hpsj": T0, "aae036": T0},
    ])  # fmt: skip
    cards = spark.createDataFrame([("B1",)], "_cm_card string")
    got = by_key(card_writeback.transform(rows, cards), "writeback_id")
    assert (got["B1-1"]["succeeded"], got["B1-1"]["_error_ok"], got["B1-2"]["succeeded"]) == (
        False,
        True,
        True,
    )
    assert got["B9-1"]["_error_ok"] is False and got["B9-1"]["_has_card"] is False
    assert got["B1-1"]["bank_card_masked"] == "622202*********0001" and "bank_card" not in got["B1-1"]


def test_bank_account(spark: SparkSession) -> None:
    holder = id_number("51110219900101123")
    rows = frame(spark, ACCOUNT, [
        {"zhid": "ZH1", "aac002": holder, "aaz500": "B1", "yhbm": "102", "yhmc": "中国工商银行",
         "khwd": "中国工商银行乐山海棠支行", "yhkh": "6222020000000000001", "khrq": dt.date(2020, 6, 1),
         "zhzt": "正常", "aae036": T0},
        {"zhid": "ZH2", "aac002": bad_check(holder), "aaz500": "B2", "yhbm": "102", "yhmc": "寮犱笁",
         "yhkh": "6222020000000000002", "khrq": dt.date(2020, 6, 1), "zhzt": "销户", "aae036": T0},
    ])  # fmt: skip
    cards = spark.createDataFrame([("B1",)], "_cm_card string")
    got = by_key(bank_account.transform(rows, cards, DS), "account_id")
    assert (got["ZH1"]["_id_check"], got["ZH1"]["_text_ok"], got["ZH1"]["_has_card"]) == ("ok", True, True)
    assert got["ZH1"]["is_open"] is True and got["ZH1"]["bank_card_cipher"].startswith("demo1$")
    assert (
        got["ZH2"]["_text_ok"] is False
        and got["ZH2"]["_has_card"] is False
        and got["ZH2"]["is_open"] is False
    )
    assert got["ZH2"]["_id_check"] == "bad_check_digit"
