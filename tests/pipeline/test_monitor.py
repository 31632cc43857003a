"""数据监测: a late source and a volume drop raise alerts; a rerun of the date does not duplicate them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from pipeline import ledger, monitor
from pipeline.ingest import window_end

DS = date(2031, 3, 8)  # far from any simulated date: the test cleans up after itself


def day(rows: int, newest: datetime | None, baseline: list[int], failed: list[str] | None = None):
    return monitor.SourceDay("business", DS, newest, rows, baseline, batches=4, failed_routes=failed or [])


def test_fresh_and_steady_source_raises_nothing() -> None:
    row, alerts = monitor.assess(day(1000, window_end(DS) - timedelta(hours=3), [980, 1010, 1000]), 0.5)
    assert alerts == [] and not row["is_late"] and row["volume_deviation"] == pytest.approx(0.0, abs=0.01)


def test_late_source() -> None:
    row, alerts = monitor.assess(day(1000, window_end(DS) - timedelta(hours=60), [1000] * 7), 0.5)
    assert row["is_late"] and row["freshness_hours"] == pytest.approx(60)
    assert [(a.kind, a.severity) for a in alerts] == [("late", "warning")]
    assert "数据延迟" in alerts[0].message and "60.0 小时" in alerts[0].message


def test_never_delivered_is_critical() -> None:
    _, alerts = monitor.assess(day(0, None, []), 0.5)
    assert [(a.kind, a.severity) for a in alerts] == [("late", "critical")]


def test_volume_drop_and_tolerance_from_env(monkeypatch) -> None:
    fresh = window_end(DS) - timedelta(hours=1)
    _, alerts = monitor.assess(day(300, fresh, [1000] * 7))
    assert [a.kind for a in alerts] == ["volume"] and "偏低" in alerts[0].message
    monkeypatch.setenv("YKT_MONITOR_VOLUME_TOLERANCE", "0.8")
    assert monitor.assess(day(300, fresh, [1000] * 7))[1] == []
    assert monitor.assess(day(300, fresh, [1000, 1000]), 0.1)[1] == [], "too little history: no verdict"


def test_failed_batches() -> None:
    _, alerts = monitor.assess(day(1000, window_end(DS), [1000] * 3, ["business.ywk_transaction"]), 0.5)
    assert [(a.kind, a.severity) for a in alerts] == [("failure", "critical")]


@pytest.fixture
def ledger_days(tmp_path, monkeypatch):
    """Seven steady days and a dropped eighth for the business routes; an empty lake (no watermarks)."""
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_LAKE_URI", str(tmp_path / "lake"))
    get_settings.cache_clear()
    monitor.ensure_schema()
    started = datetime(2031, 3, 1, tzinfo=UTC)
    for offset in range(8):
        logical = DS - timedelta(days=7 - offset)
        rows = 100 if logical == DS else 1000
        ledger.record(
            {
                "route_id": "business.ywk_transaction",
                "logical_date": logical,
                "batch_id": "t",
                "status": "succeeded",
                "bronze_rows": rows,
                "source_rows": rows,
                "started_at": started,
            }
        )
    yield
    _forget(DS - timedelta(days=7), DS)
    get_settings.cache_clear()


def _forget(low: date, high: date) -> None:
    with ledger.db.engine("analytics").begin() as conn:
        for table in (ledger.batch, monitor.source_monitor, monitor.alert):
            conn.execute(sa.delete(table).where(table.c.logical_date.between(low, high)))


@pytest.mark.integration
def test_rerun_does_not_duplicate_alerts(ledger_days) -> None:
    first = monitor.run(DS, tolerance=0.5)
    stored = monitor.alerts_of(DS)
    business = {(a["kind"]) for a in stored if a["source"] == "business"}
    assert business == {"late", "volume"}, stored
    again = monitor.run(DS, tolerance=0.5)
    assert len(again) == len(first)
    rerun = monitor.alerts_of(DS)
    assert [(a["source"], a["kind"], a["raised_at"]) for a in rerun] == [
        (a["source"], a["kind"], a["raised_at"]) for a in stored
    ], "same alerts, first raised_at kept"
    with ledger.db.engine("analytics").connect() as conn:
        query = sa.select(sa.func.count()).select_from(monitor.source_monitor)
        assert conn.scalar(query.where(monitor.source_monitor.c.logical_date == DS)) == len(monitor.SOURCES)
