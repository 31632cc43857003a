"""The first pass in Spark (疑似不合格行): a plan's rules as column expressions, and suspects in chunks.

The candidates never leave Spark whole: :func:`mark` adds ``_suspect`` (some rule could fail the
row) from native expressions, the duplicated keys found by a narrow aggregation; :func:`chunks`
hands the suspects to the driver a bounded number of rows at a time. A rule that cannot be
expressed for a column's type makes every non-null value a suspect (GX decides).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from contracts.plan import KeyRule, Plan, RowRule

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

__all__ = ["chunks", "mark"]

log = logging.getLogger(__name__)
SUSPECT = "_suspect"
_EPOCH = dt.datetime(1970, 1, 1)
BROADCAST_KEYS = 1_000_000  # duplicated keys up to this many are shipped to every task
COLLECT_HASHES = 50_000_000  # key hashes up to this many (8 bytes each) are compared on the driver
_TIMES = ("timestamp", "timestamp_ntz", "date")
_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double")


def mark(df: DataFrame, plan: Plan) -> DataFrame:
    """``df`` with ``_suspect`` (boolean, never null)."""
    from pyspark.sql import functions as F

    types = dict(df.dtypes)
    flag = F.lit(False)
    for rule in plan.rows:
        flag = flag | F.coalesce(_row_failure(rule, types[rule.column]), F.lit(True))
    for i, key in enumerate(plan.keys):
        df, duplicated = _with_duplicates(df, key, f"_dup{i}")
        flag = flag | duplicated
    return df.withColumn(SUSPECT, flag)


def chunks(
    suspects: DataFrame, rows: int, per_chunk: int, by: Sequence[str] = ("_row_id",)
) -> Iterator[pa.Table]:
    """``suspects`` (``rows`` of them) as Arrow tables of about ``per_chunk`` rows; rows with equal
    ``by`` values land in the same chunk (hash buckets)."""
    from pyspark.sql import functions as F

    parts = max(1, math.ceil(rows / per_chunk))
    if parts == 1:
        yield suspects.toArrow()
        return
    bucket = F.pmod(F.xxhash64(*by), F.lit(parts))
    for part in range(parts):
        yield suspects.where(bucket == part).toArrow()


def _row_failure(rule: RowRule, kind: str) -> Column:
    from pyspark.sql import functions as F

    c = F.col(rule.column)
    if rule.kind == "not_null":
        return c.isNull() | F.isnan(c) if kind in ("float", "double") else c.isNull()
    if rule.kind == "in_set":
        failure = ~c.isin(list(rule.values)) if rule.values else F.lit(True)
    elif rule.kind == "between":
        failure = _outside(rule, kind)
    elif rule.kind == "not_match_regex":
        failure = c.cast("string").rlike(rule.regex)
    else:
        failure = F.lit(True)
    return F.when(c.isNull(), F.lit(False)).otherwise(failure)


def _outside(rule: RowRule, kind: str) -> Column:
    """Below ``low`` or above ``high``: times compared as UTC microseconds, numbers as numbers."""
    from pyspark.sql import functions as F

    if kind in _TIMES:
        value = F.unix_micros(F.col(rule.column).cast("timestamp"))
        low, high = _micros(rule.low), _micros(rule.high)
    elif kind in _NUMBERS or kind.startswith("decimal"):
        value, low, high = F.col(rule.column), rule.low, rule.high
    else:
        log.warning("首轮校验无法比较 %s (%s)，全部非空值交由 GX", rule.column, kind)
        return F.lit(True)
    out = F.lit(False)
    if low is not None:
        out = out | ((value <= F.lit(low)) if rule.strict_low else (value < F.lit(low)))
    if high is not None:
        out = out | ((value >= F.lit(high)) if rule.strict_high else (value > F.lit(high)))
    return out


def _micros(bound: object) -> int | None:
    """A date or naive (UTC) datetime bound as microseconds since the epoch."""
    if bound is None:
        return None
    if isinstance(bound, dt.datetime):
        moment = bound.astimezone(dt.UTC).replace(tzinfo=None) if bound.tzinfo else bound
    elif isinstance(bound, dt.date):
        moment = dt.datetime.combine(bound, dt.time.min)
    else:
        raise TypeError(f"时间列的界限应为日期或时间 / a time column needs a date bound, got {bound!r}")
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def _with_duplicates(df: DataFrame, key: KeyRule, name: str) -> tuple[DataFrame, Column]:
    """``df`` joined with the hashes of its repeated keys (usually none) and the flag.

    Keys are compared by a 64-bit hash of their values: a hash collision only makes two more
    suspects, which GX then judges on the real values. The hashes (one long per row) are sorted
    on the driver, several times faster than a Spark aggregation over as many groups as rows;
    beyond :data:`COLLECT_HASHES` rows Spark aggregates them.
    """
    from pyspark.sql import functions as F

    present = F.lit(False)
    for column in key.columns:
        present = present | F.col(column).isNotNull()
    hashed = F.xxhash64(*[F.col(c) for c in key.columns])
    repeated = _repeated(df.where(present).select(hashed.alias(f"{name}_h")), f"{name}_h")
    if not repeated.num_rows:
        return df, F.lit(False)
    right = df.sparkSession.createDataFrame(repeated).withColumn(name, F.lit(True))
    right = F.broadcast(right) if repeated.num_rows <= BROADCAST_KEYS else right
    joined = df.join(right, present & (hashed == F.col(f"{name}_h")), "left").drop(f"{name}_h")
    return joined, F.coalesce(F.col(name), F.lit(False))


def _repeated(hashes: DataFrame, column: str) -> pa.Table:
    """The values of the long ``column`` of ``hashes`` that occur more than once (distinct)."""
    import numpy as np

    if hashes.count() > COLLECT_HASHES:
        return hashes.groupBy(column).count().where("count > 1").select(column).toArrow()
    values = np.sort(hashes.toArrow()[column].to_numpy(zero_copy_only=False))
    return pa.table({column: pa.array(np.unique(values[1:][values[1:] == values[:-1]]), pa.int64())})
