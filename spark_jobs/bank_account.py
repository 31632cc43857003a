"""社保卡金融账户 (silver.bank_account): the bank account bound to each card (``cyk_bank_account``).

One row per 账户编号: holder (token, mask), card, bank (银行编码, 银行名称, 开户网点), the account
number (银行卡号: token, SM4 ciphertext, mask), 开户日期 and state (正常 / 销户, closed with the card).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs import current
from spark_jobs.checks import card_numbers, with_card_check, with_document_check
from spark_jobs.common import RunResult, bronze, latest, protect, run, to_arrow, with_lineage, with_text_check
from spark_jobs.conform import shape, timestamp, with_missing

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "bank_account"
SCHEMA = {"account_id": "string", "id": "string", "card_no": "string", "bank_code": "string",
          "bank_name": "string", "outlet_name": "string", "bank_card": "string", "opened_on": "date",
          "status": "string", "changed_at": "timestamp"}  # fmt: skip
COLUMNS = ["account_id", "id_token", "id_masked", "card_no", "bank_code", "bank_name", "outlet_name",
           "bank_card_token", "bank_card_cipher", "bank_card_masked", "opened_on", "status", "is_open",
           "changed_at", "_source_table", "_source_key", "_row_id"]  # fmt: skip
REQUIRED = ["account_id", "id", "card_no", "bank_code", "bank_card", "opened_on", "status"]


def transform(accounts: DataFrame, cards: DataFrame, today: date) -> DataFrame:
    from pyspark.sql import functions as F

    rows = shape(accounts, SCHEMA, {
        "account_id": "zhid", "id": "aac002", "card_no": "aaz500", "bank_code": "yhbm", "bank_name": "yhmc",
        "outlet_name": "khwd", "bank_card": "yhkh", "opened_on": "khrq", "status": "zhzt",
        "changed_at": timestamp("aae036"),
    })  # fmt: skip
    rows = with_missing(rows, REQUIRED).withColumn("is_open", F.col("status") == "正常")
    rows = with_text_check(with_document_check(rows, "id", today=today), ["bank_name", "outlet_name"])
    rows = with_card_check(with_lineage(rows, "cyk_bank_account", ["account_id"]), cards)
    return protect(rows, {"id": "id_number", "bank_card": "bank_card"}, keep_cipher={"bank_card"})


def build(spark: SparkSession, ds: date) -> DataFrame:
    accounts = latest(bronze(spark, "holder.cyk_bank_account", ds), ["zhid"])
    return transform(accounts, card_numbers(spark, ds), ds)


def finish(spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    accounts = to_arrow(accepted.select(COLUMNS))
    current.write(DATASET, accounts, ["account_id"], {"bank_card_token": "bank_card_cipher"})


def main(ds: date, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds, build, finish, spark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="silver.bank_account 社保卡金融账户")
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    print(main(parser.parse_args().ds))
