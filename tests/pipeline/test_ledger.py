"""The batch ledger: a succeeded batch stays the record until another success replaces it.

A rerun of a date that fails or is killed leaves bronze as it was (one atomic commit), so the
ledger must keep saying what bronze holds: otherwise the next date's window and pending files would
start from an earlier batch and take this date's rows twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from pipeline import ledger

pytestmark = pytest.mark.integration
ROUTE = "test.ledger_rule"
DAY = date(2031, 5, 1)
HIGH = datetime(2031, 5, 2, tzinfo=UTC)


@pytest.fixture
def clean():
    ledger.ensure_schema()
    yield
    with ledger.db.engine("analytics").begin() as conn:
        conn.execute(sa.delete(ledger.batch).where(ledger.batch.c.route_id == ROUTE))


def _record(status: str, rows: int | None = None, **extra) -> None:
    started = datetime(2031, 5, 2, 1, tzinfo=UTC)
    values = {"route_id": ROUTE, "logical_date": DAY, "batch_id": "b", "status": status,
              "started_at": started, "bronze_rows": rows, **extra}  # fmt: skip
    ledger.record(values)


def _row() -> dict:
    with ledger.db.engine("analytics").connect() as conn:
        query = sa.select(ledger.batch).where(ledger.batch.c.route_id == ROUTE)
        return dict(conn.execute(query).one()._mapping)


def test_a_failed_or_killed_rerun_keeps_the_succeeded_batch(clean):
    _record("succeeded", 10, high_watermark=HIGH, files=["dt=2031-05-01/part-0.parquet"])
    _record("running")  # a rerun starts, then is killed
    assert _row()["status"] == "succeeded" and _row()["bronze_rows"] == 10
    _record("failed", error="源不可达")  # or fails
    assert _row()["status"] == "succeeded" and _row()["error"] is None
    later = DAY + timedelta(days=1)
    assert ledger.previous_high(ROUTE, later) == HIGH, "the next window starts after this batch"
    assert ledger.files_taken(ROUTE, later) == {"dt=2031-05-01/part-0.parquet"}


def test_a_success_replaces_the_record_and_a_first_failure_is_recorded(clean):
    _record("running")
    _record("failed", error="源不可达")
    assert _row()["status"] == "failed" and _row()["error"] == "源不可达"
    _record("succeeded", 12)
    _record("succeeded", 13)
    assert _row()["status"] == "succeeded" and _row()["bronze_rows"] == 13
