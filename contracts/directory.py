"""名录 contract: a known dataset, a code unique within it, a name, a county and township in the tree."""

from __future__ import annotations

from contracts import expect
from contracts.contract import Contract


def expectations() -> list:
    return [
        expect.not_null("kind", "名录数据集未登记（无字段映射）"),
        expect.not_null("code", "机构编码为空"),
        expect.unique(["dataset", "code"], "机构编码在名录中重复"),
        expect.not_null("name", "机构名称为空"),
        expect.text_ok(),
        expect.not_null("county_code", "区县代码为空"),
        expect.region_in_tree("county_code", ("county",)),
        expect.region_in_tree("township_code", ("township",)),
        expect.is_true("_township_in_county", "乡镇街道不属于所填区县"),
    ]


CONTRACT = Contract(
    name="directory",
    key=["dataset", "code"],
    threshold=0.1,
    expectations=expectations,
    check_columns=["_text_ok", "_township_in_county"],
)
