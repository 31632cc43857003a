"""经办业务流水 contract: unique 交易流水号, valid number and name, a 经办人, no time after the day."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract


def expectations(ds: date) -> list:
    return [
        expect.not_null("transaction_id", "交易流水号为空"),
        expect.unique(["transaction_id"], "交易流水号重复"),
        expect.id_valid(),
        expect.is_true("_name_ok", "姓名与人员主数据不一致（姓名异写）或为空"),
        expect.text_ok(),
        expect.not_null("id_token", "社会保障号码为空"),
        expect.not_null("business_type", "业务类型为空"),
        expect.not_null("staff_token", "经办人为空"),
        expect.not_null("transacted_at", "交易时间为空"),
        expect.not_after("transacted_at", ds),
        expect.not_null("region_code", "行政区划为空"),
        expect.region_in_tree("region_code"),
        expect.not_after("handled_at", ds),
    ]


CONTRACT = Contract(
    name="business_transaction",
    key=["transaction_id"],
    threshold=0.1,
    expectations=expectations,
    check_columns=["_id_check", "_name_ok", "_text_ok"],
)
