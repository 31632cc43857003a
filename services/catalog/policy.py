"""共享列策略：哪些列可以离开平台、以什么形式（原样 / 脱敏 / 剔除）。

- SM4 密文列（``*_cipher``）和开放级别为「不予开放」的资源项所在的列：永不离开；
- 明文个人信息列：按类型脱敏；已脱敏（``*_masked``）与盲索引（``*_token``）列原样；
- 其余列原样。一个数据集本身「不予开放」时，没有任何列可以离开。
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.catalog.classify import CLOSED

DROP, MASK, PLAIN = "剔除", "脱敏", "原样"
SHAREABLE_KINDS = ("silver", "gold", "mart")


def column_rule(column: Mapping, closed_items: set[str]) -> str:
    if column.get("form") == "cipher" or column.get("resource") in closed_items:
        return DROP
    if column.get("form") == "plain" and column.get("pii"):
        return MASK
    return PLAIN


def shared_columns(columns: Iterable[Mapping], openness: str, closed_items: set[str]) -> dict[str, Mapping]:
    """Columns that may leave, by name, each with its ``rule`` (脱敏 or 原样)."""
    if openness == CLOSED:
        return {}
    out = {}
    for column in columns:
        rule = column_rule(column, closed_items)
        if rule != DROP:
            out[column["name"]] = {**column, "rule": rule}
    return out
