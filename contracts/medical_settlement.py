"""医保结算 contract: the shared record promises (:mod:`contracts.person_record`), plus a known
定点医药机构 and 医疗类别, amounts ≥ 0 and no settlement after the day."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.person_record import person_record_contract

MEDICAL_CATEGORIES = ("11", "21", "41")  # 普通门诊, 住院, 定点药店购药 (AKA130)


def expectations(ds: date) -> list:
    return [
        expect.not_null("institution_code", "定点医药机构编码为空"),
        expect.in_set("medical_category", MEDICAL_CATEGORIES, "医疗类别代码未知"),
        expect.not_null("total_amount", "医疗费总额为空"),
        *(expect.non_negative(c) for c in ("total_amount", "fund_paid", "account_paid", "cash_paid")),
        expect.not_null("settled_at", "结算时间为空"),
        expect.not_after("settled_at", ds),
    ]


CONTRACT = person_record_contract(
    "medical_settlement", "settlement_id", "结算流水号", expectations, region_label="医保参保地行政区划"
)
