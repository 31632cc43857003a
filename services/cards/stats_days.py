"""统计时间范围按自然日（北京时间）切分：整日部分读日汇总表，首尾不足一日的部分读明细。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.cards.filters import BEIJING


@dataclass(frozen=True)
class Days:
    """[start, end) as whole days [first, stop) (None: unbounded) plus the partial pieces."""

    first: date | None
    stop: date | None
    partial: list[tuple[datetime | None, datetime | None]]


def day_start(day: date) -> datetime:
    """00:00 北京时间 of `day`."""
    return datetime.combine(day, time(), BEIJING)


def _ceil(at: datetime) -> date:
    local = at.astimezone(BEIJING)
    return local.date() if local.timetz().replace(tzinfo=None) == time() else local.date() + timedelta(days=1)


def split(start: datetime | None, end: datetime | None) -> Days | None:
    """Whole days inside [start, end) and the partial pieces at either end; None when the range
    holds no whole day (then the event rows answer it alone)."""
    first = _ceil(start) if start else None
    stop = end.astimezone(BEIJING).date() if end else None
    if first and stop and first >= stop:
        return None
    partial = []
    if start and start < day_start(first):
        partial.append((start, day_start(first)))
    if end and day_start(stop) < end:
        partial.append((day_start(stop), end))
    return Days(first, stop, partial)
