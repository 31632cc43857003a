"""The first pass on an Arrow table (疑似不合格行): which rows a plan's rules could fail.

Pure pyarrow compute over the checked columns. When a rule cannot be evaluated for a column's type,
every non-null value of that column is a suspect (GX decides; nothing is waved through).
"""

from __future__ import annotations

import datetime as dt
import logging

import pyarrow as pa
import pyarrow.compute as pc

from contracts.plan import KeyRule, Plan, RowRule

__all__ = ["suspects"]

log = logging.getLogger(__name__)
_NULL_KEY = "\x00null"  # stands for a null key part: pandas' duplicated() treats nulls as equal
_JOIN = "\x1f"


def suspects(table: pa.Table, plan: Plan) -> pa.Array:
    """A boolean per row (no nulls): true when some rule of ``plan`` could fail it."""
    flags = pa.array([False] * table.num_rows, pa.bool_())
    for rule in plan.rows:
        flags = pc.or_(flags, _fill(_row_failure(table[rule.column], rule)))
    for key in plan.keys:
        flags = pc.or_(flags, _duplicated(table, key))
    return flags.combine_chunks() if isinstance(flags, pa.ChunkedArray) else flags


class NoFirstPass(Exception):
    """The first pass has no Arrow form for this rule: every non-null value goes to GX instead."""


def _fill(values) -> pa.Array:
    return pc.fill_null(values, False)


def _row_failure(column: pa.ChunkedArray, rule: RowRule):
    if rule.kind == "not_null":
        return pc.is_null(column, nan_is_null=True)
    try:
        return pc.and_(pc.is_valid(column), _value_failure(column, rule))
    except (NoFirstPass, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        log.warning("首轮校验无法判断 %s (%s)，全部非空值交由 GX: %s", rule.column, rule.kind, exc)
        return pc.is_valid(column)


def _value_failure(column: pa.ChunkedArray, rule: RowRule):
    if rule.kind == "in_set":
        allowed = pa.array(list(rule.values)).cast(column.type)
        return pc.invert(pc.is_in(column, value_set=allowed))
    if rule.kind == "between":
        return _outside(column, rule)
    if rule.kind == "not_match_regex":
        return pc.match_substring_regex(column.cast(pa.string()), rule.regex)
    raise NoFirstPass(rule.kind)


def _outside(column: pa.ChunkedArray, rule: RowRule):
    """Below ``low`` or above ``high`` (strict bounds also fail on equality); times as naive UTC."""
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        column = column.cast(pa.timestamp("us"))
    out = pa.array([False] * len(column), pa.bool_())
    if rule.low is not None:
        below = pc.less_equal if rule.strict_low else pc.less
        out = pc.or_(out, below(column, _scalar(rule.low, column.type)))
    if rule.high is not None:
        above = pc.greater_equal if rule.strict_high else pc.greater
        out = pc.or_(out, above(column, _scalar(rule.high, column.type)))
    return out


def _scalar(value, kind: pa.DataType) -> pa.Scalar:
    if isinstance(value, dt.datetime | dt.date):
        if not pa.types.is_timestamp(kind):
            raise pa.ArrowTypeError(f"时间界限不能与 {kind} 比较")
        return pa.scalar(value, pa.timestamp("us"))
    return pa.scalar(value).cast(kind) if pa.types.is_decimal(kind) else pa.scalar(value)


def _duplicated(table: pa.Table, key: KeyRule) -> pa.Array:
    """Rows whose key occurs more than once (rows with an all-null key are not compared)."""
    parts = [table[c] for c in key.columns]
    present = parts[0].is_valid()
    for part in parts[1:]:
        present = pc.or_(present, part.is_valid())
    text = [pc.fill_null(p.cast(pa.string()), _NULL_KEY) for p in parts]
    joined = text[0] if len(text) == 1 else pc.binary_join_element_wise(*text, _JOIN)
    counts = pc.value_counts(joined)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    return _fill(pc.and_(present, pc.is_in(joined, value_set=repeated)))
