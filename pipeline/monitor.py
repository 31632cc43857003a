"""数据监测监控管理 (seed 1.4): freshness, volume and failures per source system and logical date.

For every source system (`pipeline.routes.SOURCES`) and logical date the monitor records one row in
`analytics.pipeline.source_monitor` and raises rows in `analytics.pipeline.alert`:

- freshness (数据及时性): time from the newest data the source delivered (the newest watermark
  value in bronze for database sources, the newest day file or delivery for file sources) to the
  end of the logical date; a source is late (`late`) past its threshold (`LATE_AFTER_HOURS`);
- volume (数据量): the rows of the date's incremental batches against the trailing 7-day average
  (first loads and whole-table snapshots excluded); off by more than `VOLUME_TOLERANCE`
  (env `YKT_MONITOR_VOLUME_TOLERANCE`) raises `volume`;
- failures (采集失败): failed batches of the date raise `failure`.

Everything is measured against the logical date, not the wall clock, so a rerun of a date gives
the same verdicts; the rows are upserted per (source, date) and the date's alerts replaced in one
transaction (an alert raised again keeps its first `raised_at`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from pipeline import ledger
from pipeline.ingest import window_end
from pipeline.routes import ROUTES, SOURCES, routes_of
from yikatong import db, lake

VOLUME_TOLERANCE = 0.5  # share the day's volume may differ from the trailing average
TRAILING_DAYS = 7
MIN_BASELINE_DAYS = 3  # fewer days of history give no volume verdict
LATE_AFTER_HOURS = {"exchange": 24 * 35, "card_events": 12}  # monthly directories; daily message files
DEFAULT_LATE_AFTER_HOURS = 48  # database sources change every working day
_FILE_DATE = re.compile(r"(?:dt=|_)(\d{4}-?\d{2}-?\d{2})[/.]")

metadata = sa.MetaData(schema="pipeline")
source_monitor = sa.Table(
    "source_monitor",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("logical_date", sa.Date, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("newest_at", sa.DateTime(timezone=True)),
    sa.Column("freshness_hours", sa.Float),
    sa.Column("late_after_hours", sa.Float, nullable=False),
    sa.Column("is_late", sa.Boolean, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("baseline_rows", sa.Float),
    sa.Column("baseline_days", sa.Integer, nullable=False),
    sa.Column("volume_deviation", sa.Float),
    sa.Column("volume_off", sa.Boolean, nullable=False),
    sa.Column("batches", sa.Integer, nullable=False),
    sa.Column("failed_batches", sa.Integer, nullable=False),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    comment="数据源监测：每个来源系统每个逻辑日期的及时性、数据量与失败批次",
)
alert = sa.Table(
    "alert",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("logical_date", sa.Date, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),  # late | volume | failure
    sa.Column("severity", sa.Text, nullable=False),  # warning | critical
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    comment="数据源告警（延迟、数据量异常、采集失败）",
)


@dataclass(frozen=True, slots=True)
class Alert:
    source: str
    kind: str
    severity: str
    message: str


@dataclass(slots=True)
class SourceDay:
    """What the monitor knows about one source on one logical date (the inputs of :func:`assess`)."""

    source: str
    logical_date: date
    newest_at: datetime | None
    rows: int
    baseline: list[int] = field(default_factory=list)  # volume of each trailing day with batches
    batches: int = 0
    failed_routes: list[str] = field(default_factory=list)


def volume_tolerance() -> float:
    """The configured tolerance: `YKT_MONITOR_VOLUME_TOLERANCE` or :data:`VOLUME_TOLERANCE`."""
    raw = os.environ.get("YKT_MONITOR_VOLUME_TOLERANCE")
    return float(raw) if raw else VOLUME_TOLERANCE


def ensure_schema() -> None:
    """The batch ledger's schema plus this module's tables."""
    ledger.ensure_schema()
    metadata.create_all(db.engine("analytics"))


# ---------- verdicts (pure)


def assess(day: SourceDay, tolerance: float | None = None) -> tuple[dict, list[Alert]]:
    """The monitor row and the alerts of one source and date."""
    tolerance = volume_tolerance() if tolerance is None else tolerance
    late_after = LATE_AFTER_HOURS.get(day.source, DEFAULT_LATE_AFTER_HOURS)
    end = window_end(day.logical_date)
    freshness = (end - day.newest_at).total_seconds() / 3600 if day.newest_at else None
    baseline = sum(day.baseline) / len(day.baseline) if len(day.baseline) >= MIN_BASELINE_DAYS else None
    deviation = (day.rows - baseline) / baseline if baseline else None
    row = {
        "source": day.source,
        "logical_date": day.logical_date,
        "title": SOURCES[day.source].title,
        "newest_at": day.newest_at,
        "freshness_hours": freshness,
        "late_after_hours": float(late_after),
        "is_late": freshness is None or freshness > late_after,
        "rows": day.rows,
        "baseline_rows": baseline,
        "baseline_days": len(day.baseline),
        "volume_deviation": deviation,
        "volume_off": deviation is not None and abs(deviation) > tolerance,
        "batches": day.batches,
        "failed_batches": len(day.failed_routes),
    }
    return row, _alerts(day, row, tolerance)


def _alerts(day: SourceDay, row: dict, tolerance: float) -> list[Alert]:
    title, out = row["title"], []
    if row["is_late"]:
        out.append(Alert(day.source, "late", _late_severity(row), _late_message(title, row)))
    if row["volume_off"]:
        severity = "critical" if day.rows == 0 else "warning"
        out.append(Alert(day.source, "volume", severity, _volume_message(title, row, tolerance)))
    if day.failed_routes:
        routes = "、".join(sorted(day.failed_routes))
        message = f"{title}：{day.logical_date} 有 {len(day.failed_routes)} 个采集批次失败（{routes}）"
        out.append(Alert(day.source, "failure", "critical", message))
    return out


def _late_severity(row: dict) -> str:
    hours = row["freshness_hours"]
    return "critical" if hours is None or hours > 2 * row["late_after_hours"] else "warning"


def _late_message(title: str, row: dict) -> str:
    if row["newest_at"] is None:
        return f"{title}：截至 {row['logical_date']} 从未收到数据"
    newest = row["newest_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return (
        f"{title}数据延迟：最新数据时间 {newest}（UTC），截至 {row['logical_date']} 日终已 "
        f"{row['freshness_hours']:.1f} 小时未更新（阈值 {row['late_after_hours']:.0f} 小时）"
    )


def _volume_message(title: str, row: dict, tolerance: float) -> str:
    direction = "偏高" if row["volume_deviation"] > 0 else "偏低"
    return (
        f"{title}数据量{direction}：{row['logical_date']} 共 {row['rows']} 行，近 {TRAILING_DAYS} 日均值 "
        f"{row['baseline_rows']:.0f} 行，偏差 {row['volume_deviation']:+.0%}（容忍 ±{tolerance:.0%}）"
    )


# ---------- gathering


def gather(source: str, ds: date) -> SourceDay:
    """The ledger's batches of the source around `ds` and the newest data it delivered."""
    batches = _batches(source, ds - timedelta(days=TRAILING_DAYS), ds)
    first = _first_dates(source)
    today = [b for b in batches if b["logical_date"] == ds]
    by_day: dict[date, int] = {}
    for b in batches:
        if b["logical_date"] < ds and _counts(b) and b["logical_date"] != first.get(b["route_id"]):
            by_day[b["logical_date"]] = by_day.get(b["logical_date"], 0) + int(b["bronze_rows"] or 0)
    return SourceDay(
        source,
        ds,
        newest_arrival(source, ds),
        sum(int(b["bronze_rows"] or 0) for b in today if _counts(b)),
        [by_day[d] for d in sorted(by_day)],
        len(today),
        [b["route_id"] for b in today if b["status"] == "failed"],
    )


def _counts(batch: dict) -> bool:
    """Whether a batch counts for volume: succeeded, and not a whole-table snapshot."""
    return batch["status"] == "succeeded" and batch["route_id"] in _INCREMENTS


_INCREMENTS = {r.route_id for r in ROUTES if r.mode != "snapshot"}


def _batches(source: str, low: date, high: date) -> list[dict]:
    b = ledger.batch
    query = sa.select(b).where(
        b.c.route_id.in_([r.route_id for r in routes_of(source)]),
        b.c.logical_date.between(low, high),
    )
    with db.engine("analytics").connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _first_dates(source: str) -> dict[str, date]:
    """Each route's first successful batch (a first load is no measure of daily volume)."""
    b = ledger.batch
    query = (
        sa.select(b.c.route_id, sa.func.min(b.c.logical_date))
        .where(b.c.route_id.in_([r.route_id for r in routes_of(source)]), b.c.status == "succeeded")
        .group_by(b.c.route_id)
    )
    with db.engine("analytics").connect() as conn:
        return dict(conn.execute(query).all())


def newest_arrival(source: str, ds: date) -> datetime | None:
    """The newest data of a source up to `ds`: watermark values (databases) or file dates (files)."""
    if SOURCES[source].kind == "files":
        return _newest_file(source, ds)
    found = [_newest_watermark(r.bronze, r.watermark.lower(), ds) for r in routes_of(source) if r.watermark]
    found = [t for t in found if t is not None]
    return max(found) if found else None


def _newest_watermark(bronze: str, column: str, ds: date) -> datetime | None:
    uri = lake.table_uri(bronze)
    if not lake.exists(uri):
        return None
    values = lake.read(uri, columns=[column], filter=[("_logical_date", "<=", ds)])[column]
    newest = max((v for v in values.to_pylist() if v is not None), default=None)
    return newest.replace(tzinfo=UTC) if newest and newest.tzinfo is None else newest


def _newest_file(source: str, ds: date) -> datetime | None:
    """End of the newest day a taken file covers (`dt=YYYY-MM-DD/…` or `…_YYYYMMDD.csv`)."""
    b = ledger.batch
    query = sa.select(b.c.files).where(
        b.c.route_id.in_([r.route_id for r in routes_of(source)]),
        b.c.logical_date <= ds,
        b.c.status == "succeeded",
    )
    with db.engine("analytics").connect() as conn:
        names = [name for files in conn.scalars(query) for name in files]
    days = [date.fromisoformat(m[-1]) for name in names if (m := _FILE_DATE.findall(name))]
    return window_end(max(days)) if days else None


# ---------- storing


def store(row: dict, alerts: list[Alert], checked_at: datetime) -> None:
    """Upsert the monitor row and replace the date's alerts of the source, in one transaction."""
    stmt = insert(source_monitor).values(**row, checked_at=checked_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "logical_date"], set_={c.name: c for c in stmt.excluded}
    )
    kinds = [a.kind for a in alerts]
    stale = sa.delete(alert).where(
        alert.c.source == row["source"],
        alert.c.logical_date == row["logical_date"],
        alert.c.kind.not_in(kinds),
    )
    with db.engine("analytics").begin() as conn:
        conn.execute(stmt)
        conn.execute(stale)
        for a in alerts:
            conn.execute(_upsert_alert(a, row["logical_date"], checked_at))


def _upsert_alert(a: Alert, ds: date, raised_at: datetime):
    """An alert raised again for the same date keeps its first `raised_at`."""
    stmt = insert(alert).values(
        source=a.source,
        logical_date=ds,
        kind=a.kind,
        severity=a.severity,
        message=a.message,
        raised_at=raised_at,
    )
    return stmt.on_conflict_do_update(
        index_elements=["source", "logical_date", "kind"],
        set_={"severity": stmt.excluded.severity, "message": stmt.excluded.message},
    )


def run(ds: date, tolerance: float | None = None) -> list[Alert]:
    """Monitor every source system for `ds`; returns the alerts raised (也写入 pipeline.alert)."""
    ensure_schema()
    checked_at, raised = datetime.now(UTC), []
    for source in SOURCES:
        row, alerts = assess(gather(source, ds), tolerance)
        store(row, alerts, checked_at)
        raised.extend(alerts)
    return raised


def alerts_of(ds: date) -> list[dict]:
    """The alerts stored for a logical date."""
    ensure_schema()
    query = sa.select(alert).where(alert.c.logical_date == ds).order_by(alert.c.source, alert.c.kind)
    with db.engine("analytics").connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
