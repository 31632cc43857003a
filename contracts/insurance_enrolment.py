"""参保信息 contract: one row per enrolment, a known 险种, a real 参保日期, a 参保地 in 乐山市's tree."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

INSURANCE_TYPES = ("110", "120", "170", "210", "310", "390", "410", "510")  # 险种类型 AAE140
ENROL_STATES = ("1", "2", "3", "4")  # 参保状态 AAC008


def expectations(ds: date) -> list:
    return [
        expect.not_null("enrolment_id", "参保关系编号为空"),
        expect.unique(["enrolment_id"], "参保关系编号重复"),
        expect.not_null("person_no", "个人编号为空"),
        expect.not_null("insurance_type", "险种类型为空"),
        expect.in_set("insurance_type", INSURANCE_TYPES, "险种类型代码未知"),
        expect.in_set("enrol_state", ENROL_STATES, "参保状态代码未知"),
        expect.not_null("enrol_date", "参保日期为空或不是有效日期"),
        # no upper bound: the source dates a minor's 城乡居民养老 from the 18th birthday (in the future)
        expect.within("enrol_date", date(1949, 10, 1), date(2100, 1, 1), "参保日期不合理"),
        expect.not_null("region_code", "参保地行政区划为空"),
        expect.region_in_tree("region_code"),
        expect.not_after("changed_at", ds),
    ]


CONTRACT = Contract(
    name="insurance_enrolment", key=["enrolment_id"], threshold=0.1, expectations=expectations
)
