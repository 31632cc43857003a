"""回盘 contract: a unique attempt of a known card, 成功 or 失败 (with its error), not in the future."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

CHECKS = ["_missing", "_error_ok", "_has_card"]


def expectations(ds: date) -> list:
    return [
        expect.in_set("_missing", [""], "必填字段为空（回盘编号、卡号、结果、尝试次数、回盘时间）"),
        expect.not_null("writeback_id", "回盘记录编号为空"),
        expect.unique(["writeback_id"], "回盘记录编号重复"),
        expect.in_set("result", ["成功", "失败"], "回盘结果未知"),
        expect.is_true("_error_ok", "回盘失败但无错误信息"),
        expect.within("attempt", 1, 100, "尝试次数不合理"),
        expect.not_after("attempted_at", ds),
        expect.not_after("changed_at", ds),
        expect.is_true("_has_card", "回盘记录无对应卡片"),
    ]


CONTRACT = Contract(
    name="card_writeback",
    key=["writeback_id"],
    threshold=0.01,
    expectations=expectations,
    check_columns=CHECKS,
)
