"""The access log's buffered writer: a flush cut short never leaves a transaction open, and
closing (the app's shutdown, and each test client's teardown) drains what waits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.access_log.writer import AccessLogWriter, Row
from tests.services.conftest import truncate_all
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def _row(n: int) -> Row:
    return Row(
        at=datetime.now(UTC), actor_kind="匿名", actor_token=None, channel="直连", channel_id=None,
        module="设备管理", method="GET", endpoint="/api/v1/admin/devices", operation="查询设备",
        object_id=str(n), status=200, result="2xx", error_code=None, latency_ms=1.5,
        ip_masked="10.1.*.*", county_code=None, place=None, request_id=f"writer-test-{n:06d}",
    )  # fmt: skip


def _open_transactions() -> list:
    return sql(
        "select pid, state, query from pg_stat_activity where datname = current_database()"
        " and pid <> pg_backend_pid() and state like 'idle in transaction%'"
    )


async def test_a_cancelled_flush_leaves_no_transaction_and_loses_no_row(ops_test):
    await asyncio.to_thread(truncate_all)
    writer = AccessLogWriter()
    writer.pending = [_row(n) for n in range(2_000)]
    for ticks in (0, 1, 2, 5):  # cut short at several points of the write
        flush = asyncio.create_task(writer.flush())
        for _ in range(ticks):
            await asyncio.sleep(0)
        flush.cancel()
        await asyncio.gather(flush, return_exceptions=True)
        await writer.settle()  # the write a cancelled flush started still ends, exactly once
        assert _open_transactions() == []
        written = sql("select count(*) from access_log")[0][0]
        assert written + len(writer.pending) == 2_000  # written once, or waiting again: never both
        if not writer.pending:
            break
    await writer.flush()
    assert sql("select count(distinct request_id), count(*) from access_log")[0] == (2_000, 2_000)
    await asyncio.to_thread(truncate_all)  # nothing holds access_log's lock


async def test_close_drains_the_rows_still_waiting(ops_test):
    await asyncio.to_thread(truncate_all)
    writer = AccessLogWriter()
    for n in range(30):
        writer.record(_row(n))  # starts the flushing task on this loop
    await writer.close()
    assert writer.pending == []
    assert sql("select count(*) from access_log")[0][0] == 30
    assert _open_transactions() == []
