"""Expectation builders shared by the contracts, each with the Chinese reason a steward reads.

Great Expectations is imported on first use (about 15 s) and then cached by Python. Check columns
computed by the jobs carry verdicts as values (``_id_check`` = ``"ok"`` or a failure code,
``"null"`` for a missing number) because GX's set and range checks skip nulls.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

__all__ = [
    "REASONS",
    "gx_expectations",
    "id_valid",
    "in_set",
    "is_true",
    "known_code",
    "logical_end",
    "non_negative",
    "not_after",
    "not_null",
    "region_codes",
    "region_in_tree",
    "text_ok",
    "unique",
    "within",
]

# The reason shown when an expectation carries none of its own.
REASONS = {
    "expect_column_values_to_not_be_null": "必填字段为空",
    "expect_column_values_to_be_unique": "主键重复",
    "expect_compound_columns_to_be_unique": "主键重复",
    "expect_column_values_to_be_in_set": "取值不在允许范围内",
    "expect_column_values_to_be_between": "取值超出合理范围",
}


@functools.cache
def gx_expectations() -> Any:
    """``great_expectations.expectations``, imported once per process with analytics off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations.expectations as gxe

    return gxe


def _meta(reason: str) -> dict[str, str]:
    return {"reason": reason}


def logical_end(ds: date) -> datetime:
    """The end of the logical date (next midnight, UTC, naive): nothing real happens after it."""
    return datetime.combine(ds + timedelta(days=1), time.min)


def not_null(column: str, reason: str = "必填字段为空") -> Any:
    return gx_expectations().ExpectColumnValuesToNotBeNull(column=column, meta=_meta(reason))


def unique(columns: list[str], reason: str = "主键重复") -> Any:
    """Unique (nulls are not compared: pair with :func:`not_null`)."""
    gxe = gx_expectations()
    if len(columns) == 1:
        return gxe.ExpectColumnValuesToBeUnique(column=columns[0], meta=_meta(reason))
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns), meta=_meta(reason))


def in_set(column: str, values: Iterable[Any], reason: str = "取值不在允许范围内") -> Any:
    return gx_expectations().ExpectColumnValuesToBeInSet(
        column=column, value_set=sorted(set(values)), meta=_meta(reason)
    )


def is_true(column: str, reason: str) -> Any:
    """A boolean check column must be true (the job computes it from plaintext or a join)."""
    return in_set(column, [True], reason)


def known_code(column: str) -> Any:
    """A decoded code column holds a name, not ``未知(<code>)`` (see ``spark_jobs.conform.decode``)."""
    return gx_expectations().ExpectColumnValuesToNotMatchRegex(
        column=column, regex=r"^未知\(", meta=_meta("代码不在代码表中")
    )


def id_valid(column: str = "_id_check") -> Any:
    """GB 11643 verdict (校验码, 出生日期, 长度): only ``ok`` passes; ``null`` means no number."""
    return in_set(column, ["ok"], "公民身份号码无效（长度、出生日期或校验码错误）或为空")


def text_ok(column: str = "_text_ok") -> Any:
    return is_true(column, "疑似乱码（字符集错误）")


@functools.cache
def region_codes(levels: tuple[str, ...] = ("city", "county", "township")) -> tuple[str, ...]:
    """Codes of 乐山市's region tree at the given levels (see :mod:`yikatong.regions`)."""
    from yikatong import regions

    return tuple(sorted(r.code for r in regions.all_regions() if r.level in levels))


def region_in_tree(column: str, levels: tuple[str, ...] = ("city", "county", "township")) -> Any:
    return in_set(column, region_codes(levels), "行政区划不在乐山市区划树中")


def within(column: str, low: Any, high: Any, reason: str) -> Any:
    """A number, date or time between sane bounds (dates compare as midnight)."""
    return gx_expectations().ExpectColumnValuesToBeBetween(
        column=column, min_value=_moment(low), max_value=_moment(high), meta=_meta(reason)
    )


def not_after(column: str, ds: date, low: date = date(1900, 1, 1)) -> Any:
    """A time no later than the end of the logical date (时间晚于业务日期 otherwise)."""
    return within(column, low, logical_end(ds) - timedelta(microseconds=1), "时间晚于业务日期或早于合理下限")


def non_negative(column: str) -> Any:
    return gx_expectations().ExpectColumnValuesToBeBetween(
        column=column, min_value=0, meta=_meta("金额为负数")
    )


def _moment(value: Any) -> Any:
    """Dates as midnight datetimes (the validated frame holds dates as timestamps); others as given."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time.min)
    return value
