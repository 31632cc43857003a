"""社保卡金融账户 contract: a valid holder number, a known card, readable bank names, sane dates."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

CHECKS = ["_id_check", "_text_ok", "_missing", "_has_card"]


def expectations(ds: date) -> list:
    return [
        expect.id_valid(),
        expect.text_ok(),
        expect.in_set(
            "_missing", [""], "必填字段为空（账户编号、证件号码、卡号、银行、银行卡号、开户日期、状态）"
        ),
        expect.not_null("account_id", "账户编号为空"),
        expect.unique(["account_id"], "账户编号重复"),
        expect.in_set("status", ["正常", "销户"], "账户状态未知"),
        expect.within("opened_on", date(1999, 1, 1), ds, "开户日期不合理（早于1999年或晚于业务日期）"),
        expect.not_after("changed_at", ds),
        expect.is_true("_has_card", "金融账户无对应卡片"),
    ]


CONTRACT = Contract(
    name="bank_account", key=["account_id"], threshold=0.02, expectations=expectations, check_columns=CHECKS
)
