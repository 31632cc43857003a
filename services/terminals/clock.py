"""监控时钟：心跳、离线判定与告警使用的“当前时间”，测试可替换以控制时间流逝。

Production reads the system clock. Tests call `clock.use(fixed)` (a context manager) to make the
heartbeat handler and the offline sweeper see a chosen time, so online → offline transitions are
checked without sleeping.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime

from services.base.db import utcnow

_source: Callable[[], datetime] = utcnow


def now() -> datetime:
    """当前时间（UTC，带时区）。"""
    return _source()


@contextlib.contextmanager
def use(source: Callable[[], datetime] | datetime) -> Iterator[None]:
    """Replace the clock inside the block (a fixed time or a callable returning one)."""
    global _source
    previous = _source
    _source = source if callable(source) else (lambda: source)
    try:
        yield
    finally:
        _source = previous
