"""Extraction from upstream databases into Arrow, typed (ADBC, PostgreSQL's binary COPY underneath).

Incremental routes read one window of the watermark column (经办时间 AAE036): `(low, high]`.
Snapshot routes read the whole table. Both return the rows exactly as the source holds them.
"""

from __future__ import annotations

from datetime import datetime

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.routes import SOURCES, Route
from yikatong import db


class SourceUnavailable(RuntimeError):
    """The upstream system cannot be reached; the task retries, then fails with this message."""


def connect(database: str):
    try:
        return adbc.connect(db.dsn(database))
    except Exception as exc:  # adbc raises its own OperationalError subclasses
        raise SourceUnavailable(f"无法连接上游系统数据库 {database} / source unreachable: {exc}") from None


def absent(route: Route) -> str | None:
    """Why the route's table cannot be read yet (database or table not created), or None when it can.

    For optional sources (the platform's own ``ops`` before ``ykt api migrate``), so a fresh machine
    skips the route with this reason instead of failing the DAG.
    """
    import sqlalchemy as sa

    database = SOURCES[route.source].database
    server = sa.create_engine(db.server_url())
    try:
        with server.connect() as conn:
            found = conn.scalar(sa.text("select 1 from pg_database where datname = :d"), {"d": database})
    finally:
        server.dispose()
    if not found:
        return f"数据库 {database} 尚不存在（未执行 ykt api migrate）/ database {database} does not exist yet"
    with connect(database) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass($1) is not null", [f"public.{_ident(route.table)}"])
        (exists,) = cur.fetchone()
    if not exists:
        return f"{database} 库中尚无表 {route.table}（未迁移）/ table {route.table} does not exist yet"
    return None


def window_query(route: Route, low: datetime | None, high: datetime) -> tuple[str, list]:
    """The SQL for one incremental window (parameters bound by the driver, never formatted in)."""
    table, wm = _ident(route.table), _ident(route.watermark or "")
    if low is None:
        return f"select * from {table} where {wm} <= $1", [high]
    return f"select * from {table} where {wm} > $1 and {wm} <= $2", [low, high]


def extract(route: Route, low: datetime | None, high: datetime) -> tuple[pa.Table, int, float | None]:
    """Rows of one route's window (incremental) or the whole table (snapshot), plus what the source
    itself counts for that window (rows, sum of the amount column) — both read in one repeatable-read
    transaction, so reconciliation compares like with like even while the source keeps changing."""
    database = SOURCES[route.source].database
    if route.mode == "incremental":
        sql, params = window_query(route, low, high)
    else:
        sql, params = f"select * from {_ident(route.table)}", []
    amount = f"sum({_ident(route.amount)})::float8" if route.amount else "null::float8"
    with connect(database) as conn, conn.cursor() as cur:
        cur.execute("set transaction isolation level repeatable read")
        cur.execute(f"select count(*), {amount} from ({sql}) w", params)
        count, total = cur.fetchone()
        cur.execute(sql, params)
        rows = normalise(cur.fetch_arrow_table())
        conn.rollback()
    return rows, int(count), total


def normalise(table: pa.Table) -> pa.Table:
    """Plain Arrow types: numeric → decimal128(p, s) from the type modifier; driver metadata dropped."""
    fields, columns = [], []
    for field, column in zip(table.schema, table.columns, strict=True):
        meta = field.metadata or {}
        if meta.get(b"POSTGRESQL:type") == b"numeric":
            column, field = _numeric(field, column, meta)
        elif isinstance(field.type, pa.BaseExtensionType):  # json/jsonb, uuid (the services' ops tables)
            column, field = _plain(field, column)
        fields.append(pa.field(field.name, field.type, field.nullable))
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _numeric(field: pa.Field, column: pa.ChunkedArray, meta: dict) -> tuple[pa.ChunkedArray, pa.Field]:
    typmod = int(meta.get(b"POSTGRESQL:typmod", b"-1"))
    precision, scale = ((typmod - 4) >> 16, (typmod - 4) & 0xFFFF) if typmod > 0 else (38, 6)
    target = pa.decimal128(precision, scale)
    storage = pa.chunked_array([c.storage for c in column.chunks], type=pa.string())
    return pc.cast(storage, target), pa.field(field.name, target)


def _plain(field: pa.Field, column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, pa.Field]:
    """An extension column as text: JSON as its text, a UUID in its canonical form."""
    storage = pa.chunked_array([c.storage for c in column.chunks], type=field.type.storage_type)
    if pa.types.is_fixed_size_binary(storage.type):
        import uuid

        values = [None if v is None else str(uuid.UUID(bytes=v)) for v in storage.to_pylist()]
        return pa.chunked_array([pa.array(values, pa.string())]), pa.field(field.name, pa.string())
    return pc.cast(storage, pa.string()), pa.field(field.name, pa.string())


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"非法标识符 {name!r}")
    return name.lower()  # the sources use unquoted identifiers, which PostgreSQL folds to lower case
