"""Bronze ingestion: one route, one logical date → that date's batch in the route's bronze table.

Bronze is append-only history per source table, partitioned by `_logical_date`, with lineage columns
`_ingested_at`, `_batch_id`, `_logical_date`, `_source`. A rerun of a date replaces exactly that date's
partition (one atomic Delta commit), so a retry never duplicates and a crash leaves the previous
version visible. Incremental windows are fixed by the batch ledger: a rerun reads the same window.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline import extract, ledger
from pipeline.routes import SOURCES, Route
from yikatong import lake

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchResult:
    route_id: str
    logical_date: date
    rows: int
    amount: float | None
    source_rows: int
    source_amount: float | None
    skipped: str | None = None  # why an optional source's route took nothing (table not created yet)

    @property
    def reconciled(self) -> bool:
        return self.rows == self.source_rows and _same(self.amount, self.source_amount)


def batch_id(route: Route, logical_date: date) -> str:
    """Deterministic per route and date, so a rerun writes the same lineage values."""
    return hashlib.sha256(f"{route.route_id}@{logical_date}".encode()).hexdigest()[:16]


def window_end(logical_date: date) -> datetime:
    """A logical date covers changes up to the end of that day (UTC)."""
    return datetime.combine(logical_date + timedelta(days=1), time.min, tzinfo=UTC)


def with_lineage(rows: pa.Table, route: Route, logical_date: date, ingested_at: datetime) -> pa.Table:
    n = rows.num_rows
    return (
        rows.append_column("_ingested_at", pa.array([ingested_at] * n, pa.timestamp("us", tz="UTC")))
        .append_column("_batch_id", pa.array([batch_id(route, logical_date)] * n, pa.string()))
        .append_column("_source", pa.array([route.source] * n, pa.string()))
        .append_column("_logical_date", pa.array([logical_date] * n, pa.date32()))
    )


def ingest_database_route(route: Route, logical_date: date) -> BatchResult:
    """Extract the route's window for this date into its bronze partition, and record the batch.

    A route of an optional source whose table does not exist yet is recorded as ``skipped`` (with
    the reason) and writes nothing: a fresh machine runs the pipeline before ``ykt api migrate``.
    """
    started = datetime.now(UTC)
    if SOURCES[route.source].optional and (reason := extract.absent(route)):
        return _skip(route, logical_date, started, reason)
    low, high = ledger.previous_high(route.route_id, logical_date), window_end(logical_date)
    base = {
        "route_id": route.route_id,
        "logical_date": logical_date,
        "batch_id": batch_id(route, logical_date),
        "low_watermark": low,
        "high_watermark": high,
        "started_at": started,
    }
    ledger.record({**base, "status": "running"})
    try:
        rows, source_rows, source_amount = extract.extract(route, low, high)
        lake.replace_partition(
            lake.table_uri(route.bronze),
            with_lineage(rows, route, logical_date, started),
            {"_logical_date": logical_date},
            partition_by=["_logical_date"],
        )
    except Exception as exc:
        ledger.record(
            {**base, "status": "failed", "error": str(exc)[:2000], "finished_at": datetime.now(UTC)}
        )
        raise
    result = BatchResult(
        route.route_id, logical_date, rows.num_rows, amount_of(rows, route), source_rows, source_amount
    )
    ledger.record(
        {
            **base,
            "status": "succeeded",
            "source_rows": source_rows,
            "source_amount": source_amount,
            "bronze_rows": result.rows,
            "bronze_amount": result.amount,
            "finished_at": datetime.now(UTC),
        }
    )
    return result


def _skip(route: Route, logical_date: date, started: datetime, reason: str) -> BatchResult:
    log.warning("跳过交换路由 %s %s：%s", route.route_id, logical_date, reason)
    ledger.record(
        {
            "route_id": route.route_id,
            "logical_date": logical_date,
            "batch_id": batch_id(route, logical_date),
            "status": "skipped",
            "error": reason,
            "source_rows": 0,
            "bronze_rows": 0,
            "started_at": started,
            "finished_at": datetime.now(UTC),
        }
    )
    return BatchResult(route.route_id, logical_date, 0, None, 0, None, skipped=reason)


def amount_of(rows: pa.Table, route: Route) -> float | None:
    if not route.amount:
        return None
    total = pc.sum(pc.cast(rows[route.amount.lower()], pa.float64())).as_py()
    return float(total) if total is not None else None


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None and b is None) or (a or 0) == (b or 0)
    return abs(a - b) < 0.005


def pending_event_files(route: Route, logical_date: date, root) -> list[str]:
    """Day files up to this date that no earlier batch took (a rerun takes the same files again)."""
    taken = ledger.files_taken(route.route_id, logical_date)
    files = sorted(
        p for p in root.glob("dt=*/part-*.parquet") if p.parent.name[3:] <= logical_date.isoformat()
    )
    return [str(p.relative_to(root)) for p in files if str(p.relative_to(root)) not in taken]


def ingest_event_files(route: Route, logical_date: date) -> BatchResult:
    """File-drop route for the card-use message stream: each pending day file → this date's batch."""
    import pyarrow.parquet as pq

    from yikatong.settings import get_settings

    root = get_settings().sources_dir / "card_events"
    started = datetime.now(UTC)
    files = pending_event_files(route, logical_date, root)
    base = {
        "route_id": route.route_id,
        "logical_date": logical_date,
        "batch_id": batch_id(route, logical_date),
        "files": files,
        "started_at": started,
    }
    ledger.record({**base, "status": "running"})
    try:
        tables = [pq.read_table(root / f) for f in files]
        rows = (
            pa.concat_tables(tables)
            if tables
            else pq.read_schema(next(root.glob("dt=*/*.parquet"))).empty_table()
        )
        lake.replace_partition(
            lake.table_uri(route.bronze),
            with_lineage(rows, route, logical_date, started),
            {"_logical_date": logical_date},
            partition_by=["_logical_date"],
        )
    except Exception as exc:
        ledger.record(
            {**base, "status": "failed", "error": str(exc)[:2000], "finished_at": datetime.now(UTC)}
        )
        raise
    amount = amount_of(rows, route)
    ledger.record(
        {
            **base,
            "status": "succeeded",
            "source_rows": rows.num_rows,
            "source_amount": amount,
            "bronze_rows": rows.num_rows,
            "bronze_amount": amount,
            "finished_at": datetime.now(UTC),
        }
    )
    return BatchResult(route.route_id, logical_date, rows.num_rows, amount, rows.num_rows, amount)


def ingest_exchange_files(route: Route, logical_date: date) -> BatchResult:
    """File-drop route for the exchange: this date's archived deliveries plus the valid new ones."""
    from pipeline import exchange_drop as drop
    from yikatong.settings import get_settings

    root = get_settings().sources_dir / "exchange"
    started = datetime.now(UTC)
    parts, files, rejected, declared = [], [], [], 0
    for folder, fresh in ((root / "archive" / logical_date.isoformat(), False), (root / "inbox", True)):
        for delivery in drop.deliveries(folder) if folder.exists() else []:
            try:
                records = drop.parse(delivery)
            except drop.DeliveryRejected as exc:
                rejected.append(
                    {"file": drop.reject(delivery, root, exc), "code": exc.code, "reason": str(exc)}
                )
                continue
            parts.append(drop.to_bronze_rows(delivery, records))
            declared += int(delivery.manifest["rows"])
            files.append(
                drop.archive(delivery, root, logical_date)
                if fresh
                else f"archive/{logical_date.isoformat()}/{delivery.path.name}"
            )
    rows = pa.concat_tables(parts) if parts else _empty_directory_rows()
    lake.replace_partition(
        lake.table_uri(route.bronze),
        with_lineage(rows, route, logical_date, started),
        {"_logical_date": logical_date},
        partition_by=["_logical_date"],
    )
    ledger.record(
        {
            "route_id": route.route_id,
            "logical_date": logical_date,
            "batch_id": batch_id(route, logical_date),
            "files": files,
            "rejected_files": rejected,
            "source_rows": declared,
            "bronze_rows": rows.num_rows,
            "status": "succeeded",
            "started_at": started,
            "finished_at": datetime.now(UTC),
        }
    )
    return BatchResult(route.route_id, logical_date, rows.num_rows, None, declared, None)


def _empty_directory_rows() -> pa.Table:
    from pipeline.exchange_drop import Delivery, to_bronze_rows

    return to_bronze_rows(Delivery(Path("none"), {"dataset": ""}), [])
