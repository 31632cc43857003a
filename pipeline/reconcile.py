"""对账 (reconciliation): per route and logical date, source = bronze = silver + quarantine.

For the batch a route took on a logical date:

- source and bronze figures (rows, and the sum of the amount column where the route has one)
  come from the batch ledger ``pipeline.batch``, which ingestion fills in one repeatable-read
  transaction with the extraction;
- silver and quarantine are counted per **candidate row** (one per source row), never per golden
  row: a person seen in three systems is three candidates and one golden row. The batch's rows
  are named by their lineage key (``_source_table`` = the source table, ``_source_key`` = its key
  values joined by ``|``, as :func:`spark_jobs.common.with_lineage` makes them):

  - quarantine: distinct ``_source_key`` of ``quarantine.<dataset>``'s partition for the date
    that belong to the batch;
  - silver, for datasets kept per batch (:data:`spark_jobs.batches.PER_BATCH`): the rows of
    ``silver.<dataset>`` written for that date (every accepted candidate is a silver row there);
  - silver, for datasets whose silver merges candidates (person, card …): the accepted-candidate
    record ``lineage.<dataset>`` (:func:`record_accepted`, written when ``pipeline.tasks conform``
    runs the job), restricted to the batch's keys.

A route reconciles when every figure agrees exactly (amounts to the cent). Results are upserted
into ``analytics.pipeline.reconciliation`` per (route, date).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from pipeline import ledger
from pipeline.routes import ROUTES, Route
from spark_jobs.batches import PER_BATCH
from yikatong import db, lake

# the silver column that carries a route's amount (the route's `amount` column, renamed)
SILVER_AMOUNT = {
    "business.ywk_benefit_payment": "amount",
    "business.ywk_medical_settlement": "total_amount",
    "card_events.card_events": "amount",
}
# bronze columns forming `_source_key` where they are not the route's source key
LINEAGE_KEY = {"exchange.directories": ("file_name", "row_no")}
RECORD_SCHEMA = pa.schema(
    [("_source_table", pa.string()), ("_source_key", pa.string()), ("_logical_date", pa.date32())]
)

metadata = sa.MetaData(schema="pipeline")
reconciliation = sa.Table(
    "reconciliation",
    metadata,
    sa.Column("route_id", sa.Text, primary_key=True),
    sa.Column("logical_date", sa.Date, primary_key=True),
    sa.Column("dataset", sa.Text),
    *(sa.Column(f"{layer}_rows", sa.BigInteger) for layer in ("source", "bronze", "silver", "quarantine")),
    *(sa.Column(f"{layer}_amount", sa.Float) for layer in ("source", "bronze", "silver", "quarantine")),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    comment="对账：每条路由每个逻辑日期 源 = bronze = silver + 隔离区（行数与金额）",
)


@dataclass(frozen=True, slots=True)
class Figures:
    """Rows and amount (None where the route has no amount column) of one layer."""

    rows: int | None
    amount: float | None = None


def ensure_schema() -> None:
    ledger.ensure_schema()
    metadata.create_all(db.engine("analytics"))


# ---------- the batch's rows


def batch_keys(route: Route, ds: date) -> pa.Array:
    """The lineage keys (``_source_key``) of the route's bronze rows for ``ds``."""
    uri = lake.table_uri(route.bronze)
    if not lake.exists(uri):
        return pa.array([], pa.string())
    columns = LINEAGE_KEY.get(route.route_id, tuple(k.lower() for k in route.key))
    rows = lake.read(uri, columns=list(columns), filter=[("_logical_date", "=", ds)])
    parts = [pc.cast(rows[c], pa.string()).fill_null("") for c in columns]
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")
    return keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys


def quarantined(route: Route, ds: date, keys: pa.Array) -> Figures:
    """The batch's distinct quarantined source rows and the sum of their amounts."""
    uri = lake.table_uri(f"quarantine.{route.contract}")
    amount = SILVER_AMOUNT.get(route.route_id)
    if not lake.exists(uri):
        return Figures(0, 0.0 if amount else None)
    rows = lake.read(
        uri, columns=["_source_table", "_source_key", "row_json"], filter=[("_logical_date", "=", ds)]
    )
    rows = rows.filter(
        pc.and_(pc.equal(rows["_source_table"], route.table), pc.is_in(rows["_source_key"], keys))
    )
    first = {}
    for key, row in zip(rows["_source_key"].to_pylist(), rows["row_json"].to_pylist(), strict=True):
        first.setdefault(key, row)
    if not amount:
        return Figures(len(first), None)
    values = [json.loads(row).get(amount) for row in first.values()]
    return Figures(len(first), sum(float(v) for v in values if v is not None))


def accepted(route: Route, ds: date, keys: pa.Array) -> Figures:
    """The batch's accepted candidates: silver rows of the date, or the accepted-candidate record."""
    amount = SILVER_AMOUNT.get(route.route_id)
    if route.contract in PER_BATCH:
        uri = lake.table_uri(f"silver.{route.contract}")
        columns = ["_source_table", *([amount] if amount else [])]
        rows = (
            lake.read(uri, columns=columns, filter=[("_logical_date", "=", ds)]) if lake.exists(uri) else None
        )
    else:
        uri = record_uri(route.contract)
        rows = lake.read(uri, filter=[("_logical_date", "=", ds)]) if lake.exists(uri) else None
        rows = rows.filter(pc.is_in(rows["_source_key"], keys)) if rows is not None else None
    if rows is None:
        return Figures(None, None)
    rows = rows.filter(pc.equal(rows["_source_table"], route.table))
    total = pc.sum(pc.cast(rows[amount], pa.float64())).as_py() if amount else None
    return Figures(rows.num_rows, (total or 0.0) if amount else None)


# ---------- accepted-candidate record (for datasets whose silver merges candidates)


def record_uri(dataset: str) -> str:
    return lake.table_uri(f"lineage.{dataset}")


def record_accepted(dataset: str, accepted_rows: pa.Table, ds: date) -> None:
    """Keep which candidates the contract accepted for ``ds`` (``lineage.<dataset>``, one commit)."""
    n = accepted_rows.num_rows
    rows = pa.table(
        [
            accepted_rows["_source_table"].cast(pa.string()),
            accepted_rows["_source_key"].cast(pa.string()),
            pa.array([ds] * n, pa.date32()),
        ],
        schema=RECORD_SCHEMA,
    ).sort_by([("_source_table", "ascending"), ("_source_key", "ascending")])
    lake.replace_partition(record_uri(dataset), rows, {"_logical_date": ds}, partition_by=["_logical_date"])


# ---------- verdicts


def _same(a: float | None, b: float | None) -> bool:
    """Equal to the cent (both None for routes without an amount)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 0.005


def reconcile_route(route: Route, ds: date, batch: dict | None) -> dict:
    """The reconciliation row of one route and date (see the module docstring)."""
    base = {"route_id": route.route_id, "logical_date": ds, "dataset": route.contract}
    if batch is not None and batch["status"] == "skipped":  # an optional source's table not created yet
        return {**base, "source_rows": 0, "bronze_rows": 0, "ok": True, "note": f"跳过：{batch['error']}"}
    if batch is None or batch["status"] != "succeeded":
        note = "无该日期批次" if batch is None else f"批次状态为 {batch['status']}"
        return {**base, "ok": False, "note": note}
    source, bronze = (
        Figures(batch["source_rows"], batch["source_amount"]),
        Figures(batch["bronze_rows"], batch["bronze_amount"]),
    )
    row = {**base, **_figures("source", source), **_figures("bronze", bronze)}
    ok = source.rows == bronze.rows and _same(source.amount, bronze.amount)
    if not route.contract:
        return {**row, "ok": ok, "note": "代码表：不进入 silver，仅核对源与 bronze"}
    keys = batch_keys(route, ds)
    silver, quarantine = accepted(route, ds, keys), quarantined(route, ds, keys)
    row |= _figures("silver", silver) | _figures("quarantine", quarantine)
    if silver.rows is None:
        missing = f"silver.{route.contract}" if route.contract in PER_BATCH else f"lineage.{route.contract}"
        return {**row, "ok": False, "note": f"缺少 {missing}（数据集尚未统一口径）"}
    amounts = (silver.amount or 0) + (quarantine.amount or 0) if bronze.amount is not None else None
    ok = ok and silver.rows + quarantine.rows == bronze.rows and _same(amounts, bronze.amount)
    return {**row, "ok": ok, "note": None if ok else _mismatch(bronze, silver, quarantine)}


def _figures(layer: str, figures: Figures) -> dict:
    return {f"{layer}_rows": figures.rows, f"{layer}_amount": figures.amount}


def _mismatch(bronze: Figures, silver: Figures, quarantine: Figures) -> str:
    return (
        f"bronze {bronze.rows} 行 ≠ silver {silver.rows} + 隔离 {quarantine.rows}"
        if silver.rows + quarantine.rows != bronze.rows
        else f"金额不符：bronze {bronze.amount} ≠ silver {silver.amount} + 隔离 {quarantine.amount}"
    )


def run(ds: date, routes: tuple[Route, ...] = ROUTES) -> list[dict]:
    """Reconcile every route for ``ds`` and upsert the rows; returns them."""
    ensure_schema()
    batches = {b["route_id"]: b for b in _batches(ds)}
    checked_at = datetime.now(UTC)
    rows = [{**reconcile_route(r, ds, batches.get(r.route_id)), "checked_at": checked_at} for r in routes]
    stmt = insert(reconciliation)
    stmt = stmt.on_conflict_do_update(
        index_elements=["route_id", "logical_date"], set_={c.name: c for c in stmt.excluded}
    )
    columns = [c.name for c in reconciliation.columns]
    with db.engine("analytics").begin() as conn:
        conn.execute(stmt, [{c: row.get(c) for c in columns} for row in rows])
    return rows


def _batches(ds: date) -> list[dict]:
    query = sa.select(ledger.batch).where(ledger.batch.c.logical_date == ds)
    with db.engine("analytics").connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def latest() -> list[dict]:
    """The latest reconciliation of every route (by logical date)."""
    ensure_schema()
    r = reconciliation
    query = sa.select(r).distinct(r.c.route_id).order_by(r.c.route_id, r.c.logical_date.desc())
    with db.engine("analytics").connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
