"""Load arrow tables into an upstream system's database with PostgreSQL COPY, hashing what is sent.

Tables are (re)created from the system's DDL, filled with `COPY … FROM STDIN (FORMAT csv)` fed by
pyarrow's CSV writer in large chunks, and only then given their primary keys and indexes. The CSV
bytes are also the canonical form the simulation's fingerprint is computed over.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from yikatong import db

CHUNK_ROWS = 250_000
_CSV = pacsv.WriteOptions(include_header=False, batch_size=65_536)


def connect(database: str) -> psycopg.Connection:
    return psycopg.connect(db.dsn(database))


def csv_chunks(table: pa.Table, chunk_rows: int = CHUNK_ROWS) -> Iterable[bytes]:
    for start in range(0, table.num_rows, chunk_rows):
        buf = io.BytesIO()
        pacsv.write_csv(table.slice(start, chunk_rows), buf, _CSV)
        yield buf.getvalue()


def copy_rows(conn: psycopg.Connection, name: str, table: pa.Table, digest=None) -> int:
    """COPY `table` into the existing table `name` (columns by name); returns the row count."""
    columns = ", ".join(f'"{c}"' for c in table.column_names)
    with conn.cursor() as cur:
        for data in csv_chunks(table):
            if digest is not None:
                digest.update(data)
            with cur.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(data)
    return table.num_rows


def table_digest(name: str, table: pa.Table) -> str:
    """The canonical digest of one table: its name, column names and CSV bytes."""
    digest = hashlib.sha256(f"{name}\x1f{','.join(table.column_names)}\n".encode())
    for data in csv_chunks(table):
        digest.update(data)
    return digest.hexdigest()


def load_database(
    database: str, ddl: str, drops: Iterable[str], tables: dict[str, pa.Table], finish: str
) -> dict[str, str]:
    """Recreate the system's tables, COPY every table, then run `finish` (keys, indexes, ANALYZE).

    Returns the digest of each table (see `table_digest`), computed from the bytes actually sent.
    """
    digests = {}
    with connect(database) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("".join(f"DROP TABLE IF EXISTS {t} CASCADE;" for t in drops))
        conn.execute(ddl)
        for name, table in tables.items():
            digest = hashlib.sha256(f"{name}\x1f{','.join(table.column_names)}\n".encode())
            copy_rows(conn, name, table, digest)
            digests[name] = digest.hexdigest()
        conn.execute(finish)
    return digests


def read_table(conn: psycopg.Connection, query: str, schema: pa.Schema) -> pa.Table:
    """The result of `query` as an arrow table, through COPY … TO STDOUT (fast for many rows)."""
    buf = io.BytesIO()
    with conn.cursor() as cur, cur.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for data in copy:
            buf.write(data)
    buf.seek(0)
    if not buf.getbuffer().nbytes:
        return schema.empty_table()
    read = pacsv.ReadOptions(column_names=schema.names)
    convert = pacsv.ConvertOptions(
        column_types=schema,
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        true_values=["t"],
        false_values=["f"],
    )
    return pacsv.read_csv(buf, read_options=read, convert_options=convert)
