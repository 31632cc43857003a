"""人员 contract (silver.person candidates): valid documents, readable text, regions in 乐山市's tree.

Checked per source row (全民参保库, 持卡库, 卡管 card rows) before the golden record is built.
"""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.contract import Contract

DOC_TYPES = ("01", "03", "06", "07")  # 居民身份证, 港澳通行证, 外国人永久居留身份证, 台湾通行证
CHECKS = ["_id_check", "_text_ok", "_missing", "_has_registry"]


def expectations(ds: date) -> list:
    return [
        expect.id_valid(),
        expect.text_ok(),
        expect.in_set("_missing", [""], "必填字段为空或无效（证件号码、姓名、出生日期、联系电话）"),
        expect.not_null("id_token", "证件号码为空"),
        expect.in_set("doc_type", DOC_TYPES, "证件类型未知"),
        expect.in_set("sex", ["男", "女"], "性别代码未知"),
        expect.region_in_tree("region_code"),
        expect.within("birth_date", date(1900, 1, 1), ds, "出生日期不合理（早于1900年或晚于业务日期）"),
        expect.not_after("changed_at", ds),
        expect.is_true("_has_registry", "卡管人员不在全民参保库和持卡库中"),
    ]


CONTRACT = Contract(
    name="person", key=["_row_id"], threshold=0.05, expectations=expectations, check_columns=CHECKS
)
