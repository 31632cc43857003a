"""敏感级别建议：按列名、列注释和样本值识别个人信息列（身份证号、手机号、银行卡号、姓名、地址）。

Values decide when they can (GB 11643 check digits, mobile prefixes, Luhn), names and comments
decide for names and addresses, whose values alone are ambiguous. Derived columns of the lakehouse
say their form in their suffix: ``*_token`` (盲索引), ``*_masked`` (脱敏), ``*_cipher`` (SM4 密文).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from yikatong import ids

PII_KINDS = ("id_number", "name", "phone", "bank_card", "address")
KIND_LABELS = {
    "id_number": "身份证号",
    "name": "姓名",
    "phone": "联系电话",
    "bank_card": "银行卡号",
    "address": "地址",
}
SENSITIVE, PERSONAL, DEIDENTIFIED, GENERAL = "敏感个人信息", "个人信息", "去标识化", "一般"
SENSITIVITIES = (SENSITIVE, PERSONAL, DEIDENTIFIED, GENERAL)
OPEN, CONDITIONAL, CLOSED = "无条件开放", "有条件开放", "不予开放"
OPENNESS = (OPEN, CONDITIONAL, CLOSED)

# (kind, hints in the column name or comment); field codes from the provincial systems
_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("id_number", re.compile(r"社会保障号码|身份证|证件号码|^AAC002$|^JHRZJHM$|^id_(number|no)$", re.I)),
    ("bank_card", re.compile(r"银行卡号|银行账号|金融账户|^AAE010$|^YHKH$|bank_(card|account)", re.I)),
    ("phone", re.compile(r"电话|手机|^AAE005$|^LXDH$|phone|mobile", re.I)),
    ("name", re.compile(r"姓名|经办人|^AAC003$|^JHRXM$|^(person_)?name$", re.I)),
    ("address", re.compile(r"住址|常住地址|通讯地址|地址|^AAE006$|^TXDZ$|address", re.I)),
)
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_ADDRESS = re.compile(r"[省市区县镇乡街路号村]")
_DERIVED = re.compile(r"^(?P<stem>.+)_(?P<form>token|masked|cipher)$")
_DERIVED_KIND = {
    "id": "id_number",
    "name": "name",
    "phone": "phone",
    "bank_card": "bank_card",
    "bank_account": "bank_card",
    "address": "address",
    "staff": "name",
    "agent_id": "id_number",
    "guardian_id": "id_number",
    "agent_name": "name",
    "guardian_name": "name",
    "agent_phone": "phone",
}
_VALUE_CHECKS = (
    ("id_number", ids.is_valid_id),
    ("phone", ids.is_valid_phone),
    ("bank_card", ids.is_valid_bank_card),
)


def _share(values: Sequence[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _by_hint(name: str, comment: str) -> str | None:
    for kind, pattern in _HINTS:
        if pattern.search(name) or (comment and pattern.search(comment)):
            return kind
    return None


def column_kind(
    name: str, comment: str = "", samples: Sequence[object] = ()
) -> tuple[str | None, str | None]:
    """(personal-data kind or None, form: plain/token/masked/cipher or None) of one column."""
    derived = _DERIVED.match(name)
    if derived:
        stem = derived["stem"]
        kind = _DERIVED_KIND.get(stem) or _DERIVED_KIND.get(stem.split("_")[-1]) or _by_hint(stem, comment)
        return kind or "id_number", derived["form"]
    values = [str(v).strip() for v in samples if v is not None and str(v).strip()]
    for kind, test in _VALUE_CHECKS:
        if _share(values, test) >= 0.5:
            return kind, "plain"
    kind = _by_hint(name, comment)
    if kind is None:
        return None, None
    if kind == "name" and values and _share(values, lambda v: bool(_HAN_NAME.match(v))) < 0.5:
        return None, None
    if kind == "address" and values and _share(values, lambda v: bool(_ADDRESS.search(v))) < 0.5:
        return None, None
    if kind in ("id_number", "phone", "bank_card") and values and _share(values, lambda v: len(v) >= 7) < 0.5:
        return None, None  # a code column (证件类型 "01") that only mentions such a number in its comment
    return kind, "plain"


def describe_column(name: str, type_: str = "", comment: str = "", samples: Sequence[object] = ()) -> dict:
    kind, form = column_kind(name, comment, samples)
    return {"name": name, "type": type_, "comment": comment, "pii": kind, "form": form}


def sensitivity(columns: Sequence[dict]) -> str:
    """数据集的敏感级别：含明文身份证号/银行卡号为敏感个人信息，其余明文个人信息为个人信息。"""
    plain = {c["pii"] for c in columns if c.get("form") == "plain"}
    if plain & {"id_number", "bank_card"}:
        return SENSITIVE
    if plain:
        return PERSONAL
    if any(c.get("form") in ("token", "masked", "cipher") for c in columns):
        return DEIDENTIFIED
    return GENERAL


def proposed_openness(level: str) -> str:
    """明文个人信息不予开放；去标识化数据有条件开放（申请批准后）；一般数据无条件开放。"""
    return {SENSITIVE: CLOSED, PERSONAL: CLOSED, DEIDENTIFIED: CONDITIONAL}.get(level, OPEN)
