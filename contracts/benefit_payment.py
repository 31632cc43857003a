"""待遇发放 contract: unique 发放流水号, valid 社会保障号码, amount ≥ 0 to an account, in 乐山市."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

INSURANCE_TYPES = ("110", "120", "170", "210", "310", "390", "410", "510")


def expectations(ds: date) -> list:
    return [
        expect.not_null("payment_id", "发放流水号为空"),
        expect.unique(["payment_id"], "发放流水号重复"),
        expect.id_valid(),
        expect.text_ok(),
        expect.not_null("id_token", "社会保障号码为空"),
        expect.not_null("amount", "发放金额为空"),
        expect.non_negative("amount"),
        expect.not_null("bank_account_token", "收款银行账号为空"),
        expect.in_set("insurance_type", INSURANCE_TYPES, "险种类型代码未知"),
        expect.not_null("region_code", "参保地行政区划为空"),
        expect.region_in_tree("region_code"),
        expect.not_after("paid_on", ds),
        expect.not_after("handled_at", ds),
    ]


CONTRACT = Contract(
    name="benefit_payment",
    key=["payment_id"],
    threshold=0.1,
    expectations=expectations,
    check_columns=["_id_check", "_text_ok"],
)
