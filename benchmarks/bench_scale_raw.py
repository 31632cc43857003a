"""Bench-scale `analytics.raw_*` without the Spark pipeline: the small pipeline run, cloned.

    YKT_HOME=/tmp/bench-home .venv/bin/python -m benchmarks.bench_scale_raw --scale bench

What is synthesised: the *raw shape* the silver → raw loader (`pipeline.load`) leaves in
`analytics.public`, at `demo` (1M raw rows) or `bench` (10M raw rows) scale, for the benches of the
marts (`bench_dbt`, `bench_superset`). The real loader path (simulate → ingest → Spark conform →
`pipeline.load`) is tested at `small` scale (tests/pipeline, tests/dbt); running it at 10M rows takes
hours on this machine, so the benches start from here instead.

How: the frozen output of one real `small` run (`tests/dbt/raw_snapshot.py`: every `raw_*` table with
the loader's Arrow schema, and the `analytics.pipeline` records) is the template. Each table is
repeated `clones` times with numpy/pyarrow (no Python loop over rows), and each clone is a different
slice of the city:

- every identifier (ids, card numbers, tokens, batch numbers, row keys) gets the suffix `-<clone>`,
  the same in every table, so joins between tables still hold (a card's applications, versions and
  write-backs; a person's payments) and keys stay unique; clone 0 is the snapshot unchanged;
- every date and time of a clone moves back by the clone's own number of days (0–`spread_days`,
  default 400), so the recent activity (payments, settlements, transactions, card events, the
  newest applications) covers more than a year while each row stays consistent in itself
  (stage order, SCD2 intervals, durations); the pension `period` follows `paid_on`;
- every township of a clone is swapped for a random township of the same county, and its outlets
  for that township's outlets (`dbt/seeds/ref_region.csv`, the real codes of
  /work/shared/data/leshan_townships.csv): counties keep the snapshot's population weights, the
  rows spread over every township and outlet; codes outside the table (dirty rows) stay as they are;
- codes (card states, channels, stages, insurance and business types, results) are the loader's
  own values in the snapshot's proportions.

Not cloned: `raw_directory` (the exchange's current directories) and `raw_quarantine_counts` (one
batch); the `analytics.pipeline` records are the snapshot's, so the marts are as of its date,
2026-11-27. A moved clone keeps its in-progress cards in progress, so the bench world has more
long-uncollected cards than a real one (more problem cards, same query shapes). Tables the
snapshot does not hold (the kiosk services' `raw_ops_*`, `raw_gold_*`, the access log, precision
targets, failure predictions) are not written; their marts build empty through `optional_source`.

Rows are written the way the loader writes them: ADBC's `adbc_ingest` (PostgreSQL binary COPY) of
the same Arrow schema, so column names, types and order equal the loader's; then `analyze`.
Progress (rows, share, rows/s) is printed per chunk.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SNAPSHOT = Path(__file__).resolve().parents[1] / "tests" / "dbt" / "fixtures"
REGIONS = Path(__file__).resolve().parents[1] / "dbt" / "seeds" / "ref_region.csv"
ROWS = {"small": 16_500, "demo": 1_000_000, "bench": 10_000_000}
KEPT = {"raw_directory", "raw_quarantine_counts"}  # loaded once, as the snapshot has them
IDENTIFIERS = {
    "account_id", "id_token", "card_no", "bank_card_token", "_source_key", "_row_id", "payment_id",
    "bank_account_token", "transaction_id", "application_id", "name_token", "batch_no",
    "writeback_id", "event_id", "enrolment_id", "person_no", "settlement_id", "person_sk",
    "phone_token", "address_token", "guardian_id_token", "chip_no",
}  # fmt: skip
REGION_COLUMNS = {
    "region_code",
    "county_code",
    "township_code",
    "pickup_outlet_code",
    "outlet_code",
    "place_code",
}
UNMOVED = {"birth_date", "_logical_date"}  # who a person is, and which batch the loader replaced
PARTITIONED = {"raw_card_use_event": "_logical_date"}  # indexed as pipeline.load indexes it
CHUNK_ROWS = 250_000
FAR = datetime(2100, 1, 1)  # sentinels at or after it (open SCD2 ends) are not moved


@dataclass(frozen=True)
class RegionMap:
    """Every known code, and for each clone the code each one becomes (index into ``codes``)."""

    codes: pa.Array
    to: np.ndarray  # clones × codes


def region_map(clones: int, rng: np.random.Generator) -> RegionMap:
    """Townships permuted within their county per clone; outlets follow their township by position."""
    with REGIONS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    codes = [r["region_code"] for r in rows]
    index = {c: i for i, c in enumerate(codes)}
    townships: dict[str, list[str]] = {}
    outlets: dict[str, list[str]] = {}
    for r in rows:
        if r["region_level"] == "township":
            townships.setdefault(r["county_code"], []).append(r["region_code"])
        elif r["region_level"] == "outlet":
            outlets.setdefault(r["parent_code"], []).append(r["region_code"])
    to = np.tile(np.arange(len(codes)), (clones, 1))
    for clone in range(1, clones):
        for towns in townships.values():
            for old, new in zip(towns, rng.permutation(towns), strict=True):
                to[clone, index[old]] = index[new]
                olds, news = outlets.get(old, []), outlets.get(new, [])
                for i, code in enumerate(olds):
                    if news:
                        to[clone, index[code]] = index[news[i % len(news)]]
    return RegionMap(pa.array(codes), to)


def _suffixes(clone_ids: np.ndarray, n: int) -> pa.Array:
    """``-<clone>`` per row of ``len(clone_ids)`` stacked copies of ``n`` rows ('' for clone 0)."""
    words = pa.array(["" if c == 0 else f"-{c}" for c in clone_ids])
    return words.take(pa.array(np.repeat(np.arange(len(clone_ids)), n)))


def _moved(column: pa.ChunkedArray | pa.Array, days: np.ndarray) -> pa.Array:
    """A date or timestamp column ``days`` (per row) earlier; far-future sentinels stay."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = column.type
    if pa.types.is_date32(kind):
        shifted = pc.subtract(column.cast(pa.int32()), pa.array(days.astype(np.int32))).cast(pa.date32())
        far = pc.greater_equal(column, pa.scalar(FAR.date(), pa.date32()))
    else:
        unit = kind.unit
        per_day = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}[unit]
        delta = pa.array(days.astype(np.int64) * per_day, pa.duration(unit))
        shifted = pc.subtract(column, delta)
        far = pc.greater_equal(column.cast(pa.timestamp(unit)), pa.scalar(FAR, pa.timestamp(unit)))
    return pc.if_else(pc.fill_null(far, False), column, shifted)


def _regions(column: pa.Array, clone_rows: np.ndarray, regions: RegionMap) -> pa.Array:
    at = pc.index_in(column, value_set=regions.codes).to_numpy(zero_copy_only=False)
    known = ~np.isnan(at) if at.dtype.kind == "f" else np.ones(len(at), bool)
    at = np.nan_to_num(at, nan=0).astype(np.int64)
    mapped = regions.codes.take(pa.array(regions.to[clone_rows, at]))
    return pc.if_else(pa.array(known), mapped, column)


def cloned(template: pa.Table, clone_ids: np.ndarray, offsets: np.ndarray, regions: RegionMap) -> pa.Table:
    """``template`` once per clone in ``clone_ids``: identifiers suffixed, days moved, regions swapped."""
    n = template.num_rows
    rows = template.take(pa.array(np.tile(np.arange(n), len(clone_ids))))
    clone_rows = np.repeat(clone_ids, n)
    days = offsets[clone_rows]
    suffix = _suffixes(clone_ids, n)
    columns = []
    for name in rows.column_names:
        column = rows[name].combine_chunks()
        kind = column.type
        if name in IDENTIFIERS and pa.types.is_string(kind):
            column = pc.binary_join_element_wise(column, suffix, "")
        elif name in REGION_COLUMNS and pa.types.is_string(kind):
            column = _regions(column, clone_rows, regions)
        elif name not in UNMOVED and (pa.types.is_date32(kind) or pa.types.is_timestamp(kind)):
            column = _moved(column, days)
        columns.append(column)
    table = pa.Table.from_arrays(columns, schema=template.schema)
    if "period" in table.column_names and "paid_on" in table.column_names:  # the month paid
        period = pc.strftime(table["paid_on"].cast(pa.timestamp("s")), format="%Y%m")
        table = table.set_column(table.schema.get_field_index("period"), "period", period)
    return table


def templates() -> dict[str, pa.Table]:
    """The snapshot's `raw_*` tables (the loader's output of one `small` run)."""
    return {p.stem.split(".", 1)[1]: pq.read_table(p) for p in sorted(SNAPSHOT.glob("public.raw_*.parquet"))}


def clones_for(rows: int, tables: dict[str, pa.Table]) -> int:
    per_clone = sum(t.num_rows for name, t in tables.items() if name not in KEPT)
    return max(1, round(rows / per_clone))


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"非法标识符 {name!r}")
    return f'"{name}"'


def write(rows: int, seed: int = 20261128, spread_days: int = 400) -> dict[str, int]:
    """Replace every `analytics.public.raw_*` of the snapshot with ``rows`` rows in all; rows per table."""
    import adbc_driver_postgresql.dbapi as adbc

    from tests.dbt import raw_snapshot
    from yikatong import db

    db.ensure_databases(("analytics",))
    tables = templates()
    with adbc.connect(db.dsn("analytics")) as conn, conn.cursor() as cur:  # not deleted row by row below
        for name in tables:
            cur.execute(f"drop table if exists public.{_ident(name)} cascade")
        conn.commit()
    raw_snapshot.load()  # the pipeline records (as-of date, batches, monitors) and the kept tables
    clones = clones_for(rows, tables)
    rng = np.random.default_rng(seed)
    offsets = np.concatenate([[0], rng.integers(0, spread_days + 1, clones - 1)])
    regions = region_map(clones, rng)
    total = sum(t.num_rows * (1 if n in KEPT else clones) for n, t in tables.items())
    print(f"{clones} clones of the small snapshot → {total:,} raw rows in {len(tables)} tables", flush=True)
    written: dict[str, int] = {}
    started = time.perf_counter()
    done = 0
    with adbc.connect(db.dsn("analytics")) as conn:
        for name, template in tables.items():
            if name in KEPT:
                written[name] = template.num_rows
                continue
            per_chunk = max(1, CHUNK_ROWS // max(1, template.num_rows))
            with conn.cursor() as cur:
                cur.execute(f"drop table if exists public.{_ident(name)} cascade")
                for first in range(0, clones, per_chunk):
                    ids = np.arange(first, min(clones, first + per_chunk))
                    chunk = cloned(template, ids, offsets, regions)
                    cur.adbc_ingest(
                        name, chunk, mode="create" if first == 0 else "append", db_schema_name="public"
                    )
                    written[name] = written.get(name, 0) + chunk.num_rows
                    done += chunk.num_rows
                    share = f"{written[name]:,}/{template.num_rows * clones:,}"
                    rate = f"{done / (time.perf_counter() - started):,.0f} rows/s"
                    print(
                        f"  {name}: {share} · all {done:,}/{total:,} ({done / total:.0%}) · {rate}",
                        flush=True,
                    )
                if name in PARTITIONED:
                    index, column = _ident(f"{name}_{PARTITIONED[name]}"), _ident(PARTITIONED[name])
                    cur.execute(f"create index {index} on public.{_ident(name)} ({column})")
            conn.commit()
    with db.engine("analytics").connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        import sqlalchemy as sa

        for name in written:
            conn.execute(sa.text(f"analyze public.{_ident(name)}"))
    print(f"written {sum(written.values()):,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(ROWS), default="bench")
    parser.add_argument("--rows", type=int, help="raw rows in all (default: by scale)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--spread-days", type=int, default=400)
    opts = parser.parse_args()
    write(opts.rows or ROWS[opts.scale], opts.seed, opts.spread_days)


if __name__ == "__main__":
    main()
