"""装载金层 (gold → PostgreSQL ``analytics``): ``public.raw_gold_<table>``, replaced whole by COPY.

Uses :func:`pipeline.load.replace_table` (one transaction: readers see the old rows or the new).
``python -m pipeline.gold_load --ds 2026-11-27``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import adbc_driver_postgresql.dbapi as adbc

from pipeline.load import replace_table
from yikatong import db, lake

TABLES = ("trajectory_monthly", "portrait")
# the portrait and monthly trajectories are looked up by person token
INDEXES = {"raw_gold_portrait": ("id_token",), "raw_gold_trajectory_monthly": ("id_token", "month")}


def table_name(table: str) -> str:
    return f"raw_gold_{table}"


def run(ds: date) -> dict[str, int]:
    """Copy every gold table that exists (its state as of ``ds``); rows per analytics table."""
    loaded: dict[str, int] = {}
    with adbc.connect(db.dsn("analytics")) as conn:
        for table in TABLES:
            uri = lake.table_uri(f"gold.{table}")
            if not lake.exists(uri):
                continue
            rows = lake.read(uri)
            if rows.num_rows and rows["as_of_date"][0].as_py() != ds:
                raise ValueError(
                    f"gold.{table} 不是 {ds} 的数据，请先运行金层作业 / build gold for {ds} first"
                )
            name = table_name(table)
            loaded[name] = replace_table(conn, name, rows)
            _index(conn, name)
    return loaded


def _index(conn, name: str) -> None:
    columns = INDEXES.get(name)
    if columns:
        with conn.cursor() as cur:
            cur.execute(f'create index if not exists "{name}_idx" on public."{name}" ({", ".join(columns)})')
        conn.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.gold_load", description="gold → analytics.raw_gold_*"
    )
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    args = parser.parse_args(argv)
    for name, rows in run(args.ds).items():
        print(f"装载 {name} {args.ds}: {rows} 行")
    return 0


if __name__ == "__main__":
    sys.exit(main())
