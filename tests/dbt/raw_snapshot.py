"""The `small`-scale world the dbt tests build on: the real pipeline's output, frozen as parquet.

Running the whole pipeline (Spark conform of twelve datasets) inside the test session took from
5 to more than 30 minutes on this shared machine, so the dbt tests load a snapshot of what it
produced instead: every `analytics.public.raw_*` table and the `analytics.pipeline` records of
one `small` run (seed 20261128, dirt 0.02, business date 2026-11-27). Tokens and masks only —
the load never copies ciphertexts, and no plaintext personal data reaches `raw_*`.

Refresh it after a silver schema change (the staging views then fail loudly on the old one):

    YKT_HOME=<a home with that world loaded> .venv/bin/python tests/dbt/raw_snapshot.py

`load()` restores it into the current home's `analytics` (whole-table replace, one transaction each).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

FOLDER = Path(__file__).with_name("fixtures")
# card-use events and directories feed no mart yet: a slice keeps their staging views honest
SLICED = {"raw_card_use_event": 300, "raw_directory": 200}
PIPELINE_TABLES = ("batch", "reconciliation", "source_monitor", "alert")


def save() -> list[Path]:
    """Write every raw_* table and the pipeline records of the current home as parquet."""
    import adbc_driver_postgresql.dbapi as adbc

    from yikatong import db

    FOLDER.mkdir(exist_ok=True)
    written = []
    with adbc.connect(db.dsn("analytics")) as conn, conn.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables where table_schema = 'public' "
            "and table_name like 'raw\\_%' and table_name not like 'raw\\_ops\\_%' order by 1"
        )
        names = [f"public.{n}" for (n,) in cur.fetchall()] + [f"pipeline.{n}" for n in PIPELINE_TABLES]
        for name in names:
            schema, table = name.split(".")
            limit = f" order by 1 limit {SLICED[table]}" if table in SLICED else ""
            cur.execute(f'select * from {schema}."{table}"{limit}')
            rows = _typed(cur.fetch_arrow_table(), _numeric_columns(cur, schema, table))
            path = FOLDER / f"{name}.parquet"
            pq.write_table(rows, path, compression="zstd")
            written.append(path)
    return written


def _numeric_columns(cur, schema: str, table: str) -> list[str]:
    cur.execute(
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{table}' and data_type = 'numeric'"
    )
    return [name for (name,) in cur.fetchall()]


def _typed(rows: pa.Table, numeric: list[str]) -> pa.Table:
    """ADBC reads PostgreSQL numeric as text: amounts go back to decimals (to the cent), as in silver."""
    for name in numeric:
        index = rows.schema.get_field_index(name)
        rows = rows.set_column(index, name, pc.cast(rows[name], pa.decimal128(18, 2)))
    return rows


def load() -> dict[str, int]:
    """Restore the snapshot into `analytics`: rows per table."""
    import adbc_driver_postgresql.dbapi as adbc

    from pipeline import ledger, load, monitor, reconcile
    from yikatong import db

    loaded = {}
    with adbc.connect(db.dsn("analytics")) as conn:
        for path in sorted(FOLDER.glob("public.*.parquet")):
            table = path.stem.split(".", 1)[1]
            loaded[table] = load.replace_table(conn, table, pq.read_table(path))
    reconcile.ensure_schema()
    monitor.ensure_schema()
    tables = {"batch": ledger.batch, "reconciliation": reconcile.reconciliation,
              "source_monitor": monitor.source_monitor, "alert": monitor.alert}  # fmt: skip
    with db.engine("analytics").begin() as conn:
        for name, table in tables.items():
            rows = pq.read_table(FOLDER / f"pipeline.{name}.parquet").to_pylist()
            for row in rows:
                for column in ("files", "rejected_files"):
                    if isinstance(row.get(column), str):
                        row[column] = json.loads(row[column])
            conn.execute(sa.delete(table))
            if rows:
                conn.execute(sa.insert(table), rows)
            loaded[f"pipeline.{name}"] = len(rows)
    return loaded


if __name__ == "__main__":
    for written in save():
        print(written, f"{written.stat().st_size:,} bytes")
