"""Time helpers on numpy datetime64 arrays (local time, 北京时间, second precision; NaT = not yet)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

NAT = np.datetime64("NaT", "s")
DAY = np.timedelta64(1, "D")
HOUR_S = 3600
DAY_S = 86400


def day_start(d: date) -> np.datetime64:
    return np.datetime64(d, "D").astype("datetime64[s]")


def day_end(d: date) -> np.datetime64:
    """The last second of day `d` (the clock of a simulation that has run up to `d`)."""
    return day_start(d + timedelta(days=1)) - np.timedelta64(1, "s")


def seconds(values) -> np.ndarray:
    return np.asarray(np.round(values), dtype=np.int64).astype("timedelta64[s]")


def days(values) -> np.ndarray:
    return seconds(np.asarray(values) * DAY_S)


def at_hours(day: np.ndarray, u: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """A time on each `day` between `lo` and `hi` o'clock, placed by the uniform numbers `u`."""
    return day.astype("datetime64[D]").astype("datetime64[s]") + seconds((lo + u * (hi - lo)) * HOUR_S)


def to_date(ts: np.ndarray) -> np.ndarray:
    return ts.astype("datetime64[D]")


def ymd(values: np.ndarray) -> np.ndarray:
    """yyyymmdd as int64 (NaT gives a meaningless number: mask it)."""
    d = values.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    m = months.astype(np.int64)
    return (m // 12 + 1970) * 10000 + (m % 12 + 1) * 100 + (d - months).astype(np.int64) + 1


def add_years(d: np.ndarray, years: int) -> np.ndarray:
    """Same month and day `years` later (29 Feb → 28 Feb)."""
    d = d.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    target = months + np.timedelta64(12 * years, "M")
    day = (d - months).astype(np.int64)
    last = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(day, last - 1).astype("timedelta64[D]")


def latest(*arrays: np.ndarray) -> np.ndarray:
    """Element-wise maximum ignoring NaT (NaT only where all are NaT)."""
    stacked = np.stack([a.astype("datetime64[s]") for a in arrays])
    as_int = stacked.astype(np.int64)
    as_int[np.isnat(stacked)] = np.iinfo(np.int64).min
    best = as_int.max(axis=0)
    out = best.astype("datetime64[s]")
    out[best == np.iinfo(np.int64).min] = NAT
    return out


def upto(ts: np.ndarray, end: np.datetime64) -> np.ndarray:
    """`ts` where it has happened by `end`, NaT where it lies in the future."""
    return np.where(ts <= end, ts, NAT)


def ts_array(ts: np.ndarray) -> pa.Array:
    return pa.array(ts.astype("datetime64[s]"), pa.timestamp("s"))


def date_array(d: np.ndarray) -> pa.Array:
    return pa.array(d.astype("datetime64[D]"), pa.date32())
