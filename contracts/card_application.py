"""社保卡申领 contract: valid applicant number, known codes, 申请制卡地 in the tree, an ordered timeline."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

TIMES = ("applied_at", "reviewed_at", "bank_opened_at", "province_made_at", "city_received_at",
         "sent_to_outlet_at", "picked_up_at", "changed_at")  # fmt: skip
CHECKS = ["_id_check", "_missing", "_stages_ordered", "_permit_known"]


def expectations(ds: date) -> list:
    return [
        expect.id_valid(),
        expect.in_set(
            "_missing", [""], "必填字段为空（申领编号、证件号码、姓名、业务类型、渠道、申请时间、审核状态）"
        ),
        expect.not_null("application_id", "申领编号为空"),
        expect.unique(["application_id"], "申领编号重复"),
        expect.region_in_tree("region_code"),
        expect.in_set("business_type", ["申领", "补卡", "换卡"], "业务类型未知"),
        expect.in_set("review_state", ["待审核", "审核通过", "审核不通过"], "审核状态未知"),
        expect.known_code("channel"),
        *[expect.not_after(column, ds) for column in TIMES],
        expect.is_true("_stages_ordered", "制卡进度各环节时间顺序颠倒"),
        expect.is_true("_permit_known", "港澳台通行证号码在全民参保库和持卡库中均不存在"),
    ]


CONTRACT = Contract(
    name="card_application",
    key=["application_id"],
    threshold=0.05,
    expectations=expectations,
    check_columns=CHECKS,
)
