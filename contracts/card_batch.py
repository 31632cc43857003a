"""制卡批次 contract: a unique 批次号, a known bank, a non-negative count, received after made."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

CHECKS = ["_missing", "_times_ordered"]


def expectations(ds: date) -> list:
    return [
        expect.in_set("_missing", [""], "必填字段为空（批次号、服务银行、制卡数量、制卡完成时间）"),
        expect.not_null("batch_no", "批次号为空"),
        expect.unique(["batch_no"], "批次号重复"),
        expect.known_code("bank_name"),
        expect.non_negative("card_count"),
        *[expect.not_after(column, ds) for column in ("made_at", "city_received_at", "changed_at")],
        expect.is_true("_times_ordered", "市级接收时间早于制卡完成时间"),
    ]


CONTRACT = Contract(
    name="card_batch", key=["batch_no"], threshold=0.01, expectations=expectations, check_columns=CHECKS
)
