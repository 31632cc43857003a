"""装载分析库 (silver → PostgreSQL ``analytics``): one ``public.raw_<dataset>`` table per silver dataset.

Rows travel by COPY (ADBC's ``adbc_ingest``, PostgreSQL's binary COPY underneath), never row by
row, and every table changes in one transaction, so a reader sees the old rows or the new ones:

- full replace (dimension-like datasets, and everything except the events): ``DELETE`` + COPY
  in one transaction. Readers are not blocked (MVCC) and never see a half table. A swap by
  renaming a freshly copied table would do the same, but PostgreSQL binds views to a table's
  OID, so dbt's staging views would keep reading the renamed old table; the rename is therefore
  used only when the columns changed (the new table then needs ``dbt run`` anyway);
- partition replace (``card_use_event``): the batch's rows (``_logical_date`` = the date) are
  deleted and the batch copied again, in one transaction.

Datasets kept per batch in silver (:data:`spark_jobs.batches.PER_BATCH`) are loaded as their
current state: the newest version of each key up to the date (a directory: its newest delivery).
Ciphertexts (``*_cipher``) stay in the lake: analytics works with tokens and masks only.
Quarantine counts per dataset, date, source table and failed expectation go to
``raw_quarantine_counts``; the pipeline's own tables already live in ``analytics.pipeline``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import ledger, monitor, reconcile
from pipeline.routes import ROUTES
from spark_jobs import directory
from spark_jobs.batches import PER_BATCH, current
from yikatong import db, lake

SCHEMA = "public"
PARTITIONED = {"card_use_event": "_logical_date"}  # replaced per batch, the rest replaced whole
KEYS = {
    "insurance_enrolment": ["enrolment_id"],
    "benefit_payment": ["payment_id"],
    "medical_settlement": ["settlement_id"],
    "business_transaction": ["transaction_id"],
}
CURRENT: dict[str, Callable[[pa.Table], pa.Table]] = {
    **{name: functools.partial(current, keys=keys) for name, keys in KEYS.items()},
    "directory": directory.current,
}
QUARANTINE_COUNTS = "raw_quarantine_counts"


def datasets() -> list[str]:
    """Every silver dataset the routes feed, in route order."""
    return list(dict.fromkeys(r.contract for r in ROUTES if r.contract))


def table_name(dataset: str) -> str:
    return f"raw_{dataset}"


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"非法标识符 {name!r}")
    return f'"{name}"'


# ---------- what is loaded


def silver_rows(dataset: str, ds: date) -> pa.Table | None:
    """The rows of ``raw_<dataset>`` for ``ds`` (None when the silver table does not exist yet)."""
    uri = lake.table_uri(f"silver.{dataset}")
    if not lake.exists(uri):
        return None
    if dataset in PARTITIONED:
        rows = lake.read(uri, filter=[(PARTITIONED[dataset], "=", ds)])
    elif dataset in PER_BATCH:
        rows = CURRENT[dataset](lake.read(uri, filter=[("_logical_date", "<=", ds)]))
    else:
        rows = lake.read(uri)
    return rows.drop_columns([c for c in rows.column_names if c.endswith("_cipher")])


def quarantine_counts(ds: date) -> pa.Table:
    """Failing rows per dataset, source table, expectation and reason for ``ds``."""
    parts = []
    for dataset in [*datasets()]:
        uri = lake.table_uri(f"quarantine.{dataset}")
        if lake.exists(uri):
            rows = lake.read(uri, columns=["dataset", "_source_table", "expectation", "column", "reason"],
                             filter=[("_logical_date", "=", ds)])  # fmt: skip
            parts.append(rows.group_by(rows.column_names).aggregate([("dataset", "count")]))
    table = pa.concat_tables(parts) if parts else None
    names = ["dataset", "source_table", "expectation", "column", "reason", "rows"]
    if table is None or not table.num_rows:
        empty = {n: pa.array([], pa.int64() if n == "rows" else pa.string()) for n in names}
        return pa.table(empty | {"logical_date": pa.array([], pa.date32())})
    table = table.rename_columns(names)
    table = table.append_column("logical_date", pa.array([ds] * table.num_rows, pa.date32()))
    return table.sort_by([(n, "ascending") for n in names[:5]])


# ---------- how it is loaded


def _columns(cur, name: str) -> list[str] | None:
    cur.execute(
        "select column_name from information_schema.columns where table_schema = $1 and table_name = $2 "
        "order by ordinal_position",
        parameters=(SCHEMA, name),
    )
    found = [row[0] for row in cur.fetchall()]
    return found or None


def _in_order_of(existing: list[str] | None, rows: pa.Table) -> pa.Table:
    """``rows`` in the loaded table's column order when only the order differs (silver may reorder)."""
    if existing and existing != rows.column_names and sorted(existing) == sorted(rows.column_names):
        return rows.select(existing)
    return rows


def replace_table(conn, name: str, rows: pa.Table) -> int:
    """The whole table replaced in one transaction (see the module docstring)."""
    with conn.cursor() as cur:
        existing = _columns(cur, name)
        rows = _in_order_of(existing, rows)
        if existing == rows.column_names:
            cur.execute(f"delete from {_ident(SCHEMA)}.{_ident(name)}")
            cur.adbc_ingest(name, rows, mode="append", db_schema_name=SCHEMA)
        else:  # new or changed columns: copy into a fresh table and swap names
            stage = f"{name}__load"
            cur.execute(f"drop table if exists {_ident(SCHEMA)}.{_ident(stage)}")
            cur.adbc_ingest(stage, rows, mode="create", db_schema_name=SCHEMA)
            if existing is not None:  # dbt's views over it go too; transform_marts rebuilds them next
                cur.execute(f"drop table {_ident(SCHEMA)}.{_ident(name)} cascade")
            cur.execute(f"alter table {_ident(SCHEMA)}.{_ident(stage)} rename to {_ident(name)}")
    conn.commit()
    return rows.num_rows


def replace_partition(conn, name: str, rows: pa.Table, column: str, ds: date) -> int:
    """The rows with ``column = ds`` replaced in one transaction; the table created when missing."""
    if (
        rows.num_rows
        and not pc.all(pc.equal(rows[column], pa.scalar(ds, rows.schema.field(column).type))).as_py()
    ):
        raise ValueError(f"{name}: 数据不全属于 {column}={ds} / rows outside the partition")
    with conn.cursor() as cur:
        existing = _columns(cur, name)
        rows = _in_order_of(existing, rows)
        target = f"{_ident(SCHEMA)}.{_ident(name)}"
        if existing is None:
            cur.adbc_ingest(name, rows, mode="create", db_schema_name=SCHEMA)
            cur.execute(f"create index {_ident(name + '_' + column)} on {target} ({_ident(column)})")
        elif existing != rows.column_names:
            raise ValueError(
                f"{name} 的列与 silver 不一致，请先删除该表再装载 / columns changed: drop {name}"
            )
        else:
            cur.execute(f"delete from {target} where {_ident(column)} = '{ds.isoformat()}'::date")
            cur.adbc_ingest(name, rows, mode="append", db_schema_name=SCHEMA)
    conn.commit()
    return rows.num_rows


def run(ds: date) -> dict[str, int]:
    """Load every silver dataset (and the quarantine counts) for ``ds``; rows per table."""
    ledger.ensure_schema()
    reconcile.ensure_schema()  # the pipeline tables are published where they live
    monitor.ensure_schema()
    loaded: dict[str, int] = {}
    with adbc.connect(db.dsn("analytics")) as conn:
        for dataset in datasets():
            rows = silver_rows(dataset, ds)
            if rows is None:
                continue
            name = table_name(dataset)
            if dataset in PARTITIONED:
                loaded[name] = replace_partition(conn, name, rows, PARTITIONED[dataset], ds)
            else:
                loaded[name] = replace_table(conn, name, rows)
        counts = quarantine_counts(ds)
        loaded[QUARANTINE_COUNTS] = replace_partition(conn, QUARANTINE_COUNTS, counts, "logical_date", ds)
    return loaded
