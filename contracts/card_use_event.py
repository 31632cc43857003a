"""用卡轨迹 contract: a known card, a time not after the day, an amount ≥ 0, a known scenario."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

KINDS = ("身份凭证类", "身份校验类", "非医保消费类", "待遇发放类", "信息查询类")
PLACE_LEVELS = ("city", "county", "township", "outlet")


def expectations(ds: date) -> list:
    return [
        expect.not_null("event_id", "消息编号为空"),
        expect.unique(["event_id"], "消息编号重复"),
        expect.not_null("card_no", "社保卡号为空"),
        expect.is_true("_has_card", "社保卡号不在卡主数据中（未知卡）"),
        expect.id_valid(),  # also fails a missing number (verdict "null")
        expect.not_null("event_time", "用卡时间为空"),
        expect.not_after("event_time", ds),
        expect.non_negative("amount"),
        expect.not_null("trajectory_kind", "业务场景代码未知，无法归入轨迹类别"),
        expect.in_set("trajectory_kind", KINDS, "轨迹类别不在五类之内"),
        expect.in_set("result", ("成功", "失败"), "结果应为 成功/失败"),
        expect.not_null("place_code", "使用地点为空"),
        expect.region_in_tree("place_code", PLACE_LEVELS),
    ]


CONTRACT = Contract(
    name="card_use_event",
    key=["event_id"],
    threshold=0.1,
    expectations=expectations,
    check_columns=["_has_card", "_id_check"],
)
