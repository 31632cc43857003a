"""社会保障卡 contract (silver.card candidates): card rows of 卡管 and 持卡库, and status changes.

A card row needs a valid holder number whose person is in silver.person (卡片无对应持卡人
otherwise), a known status, sane dates and a 发卡地 in 乐山市's tree; a status change needs a card.
"""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

STATUSES = ("正常", "临时挂失", "正式挂失", "注销", "待激活")
CHECKS = ["_id_check", "_text_ok", "_missing", "_has_person", "_has_card"]


def expectations(ds: date) -> list:
    return [
        expect.in_set(
            "_id_check", ["ok", "not_applicable"], "持卡人证件号码无效（长度、出生日期或校验码错误）或为空"
        ),
        expect.text_ok(),
        expect.in_set(
            "_missing", [""], "必填字段为空或无效（卡号、证件号码、姓名、状态、发卡日期、有效期、发卡地）"
        ),
        expect.not_null("card_no", "卡号为空"),
        expect.in_set("status", STATUSES, "卡状态未知"),
        expect.in_set("from_status", STATUSES, "原卡状态未知"),
        expect.region_in_tree("region_code", ("city", "county")),
        expect.within("issued_on", date(1999, 1, 1), ds, "发卡日期不合理（早于1999年或晚于业务日期）"),
        expect.within("expires_on", date(1999, 1, 1), date(ds.year + 30, 12, 31), "卡有效期不合理"),
        expect.not_after("changed_at", ds),
        expect.is_true("_has_person", "卡片无对应持卡人"),
        expect.is_true("_has_card", "状态变更记录无对应卡片"),
    ]


CONTRACT = Contract(
    name="card", key=["_row_id"], threshold=0.05, expectations=expectations, check_columns=CHECKS
)
