"""把 pydantic 的校验错误翻译成中文（接口的 422 和 Excel 逐行结果共用）。"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不正确",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "应大于 {gt}",
    "less_than": "应小于 {lt}",
    "enum": "取值应为：{expected}",
    "literal_error": "取值应为：{expected}",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "uuid_parsing": "应为 UUID",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601）",
}


def message_of(error: Mapping[str, Any]) -> str:
    """One pydantic error as Chinese text (our validators already raise Chinese messages)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    template = _MESSAGES.get(kind)
    if template is None:
        return "取值不合法"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：: ")


def field_errors(errors: Iterable[Mapping[str, Any]], labels: Mapping[str, str] | None = None) -> list[dict]:
    """`[{field, message}]` with the field as a dotted path (or its Chinese label when given)."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        name = ".".join(loc)
        if labels and loc and loc[-1] in labels:
            name = labels[loc[-1]]
        out.append({"field": name, "message": message_of(error)})
    return out
