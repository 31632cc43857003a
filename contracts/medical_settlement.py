"""医保结算 contract: unique 结算流水号, valid number and name, amounts ≥ 0, no settlement after the day."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

MEDICAL_CATEGORIES = ("11", "21", "41")  # 普通门诊, 住院, 定点药店购药 (AKA130)


def expectations(ds: date) -> list:
    return [
        expect.not_null("settlement_id", "结算流水号为空"),
        expect.unique(["settlement_id"], "结算流水号重复"),
        expect.id_valid(),
        expect.is_true("_name_ok", "姓名与人员主数据不一致（姓名异写）或为空"),
        expect.text_ok(),
        expect.not_null("id_token", "社会保障号码为空"),
        expect.not_null("institution_code", "定点医药机构编码为空"),
        expect.in_set("medical_category", MEDICAL_CATEGORIES, "医疗类别代码未知"),
        expect.not_null("total_amount", "医疗费总额为空"),
        *(expect.non_negative(c) for c in ("total_amount", "fund_paid", "account_paid", "cash_paid")),
        expect.not_null("settled_at", "结算时间为空"),
        expect.not_after("settled_at", ds),
        expect.not_null("region_code", "医保参保地行政区划为空"),
        expect.region_in_tree("region_code"),
        expect.not_after("handled_at", ds),
    ]


CONTRACT = Contract(
    name="medical_settlement",
    key=["settlement_id"],
    threshold=0.1,
    expectations=expectations,
    check_columns=["_id_check", "_name_ok", "_text_ok"],
)
