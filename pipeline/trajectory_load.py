"""装载轨迹信息库 (trajectory store, 5.3): ``silver.card_use_event`` → ``raw_trajectory_event``.

The per-person timeline (``services/trajectories``) reads this table: one row per accepted card-use
event with the person's blind-index token, the time, the kind (身份凭证类 … 信息查询类), scenario,
channel, place and result. The index on ``(person_token, occurred_at desc, event_id desc)`` makes a
page of one person's timeline a single index range scan; ``raw_person`` gets an index on its token
so the person (and their county, for the region check) is one index lookup too.

Loaded per batch like ``raw_card_use_event``: the rows of the logical date are deleted and copied
again in one transaction (:func:`pipeline.load.replace_partition`), so a rerun gives the same rows.
Tokens, masks and codes only. ``python -m pipeline.trajectory_load --ds 2026-11-27``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.load import replace_partition
from yikatong import db, lake

TABLE = "raw_trajectory_event"
SOURCE = "silver.card_use_event"
# silver column → timeline column (in table order)
COLUMNS = {
    "id_token": "person_token",
    "event_time": "occurred_at",
    "event_id": "event_id",
    "trajectory_kind": "trajectory_kind",
    "scene_code": "scene_code",
    "scene_name": "scene_name",
    "channel": "channel",
    "terminal_id": "terminal_id",
    "place_code": "place_code",
    "county_code": "county_code",
    "amount": "amount",
    "merchant_name": "merchant_name",
    "result": "result",
    "card_no": "card_no",
    "_logical_date": "_logical_date",
}
INDEXES = {
    f"{TABLE}_person_time_idx": f"public.{TABLE} (person_token, occurred_at desc, event_id desc)",
    "raw_person_id_token_idx": "public.raw_person (id_token)",
    # the holder's relationship network (services/precision/graph.py) looks these up by person
    "raw_card_id_token_idx": "public.raw_card (id_token)",
    "raw_card_application_id_token_idx": "public.raw_card_application (id_token)",
    "raw_benefit_payment_id_token_idx": "public.raw_benefit_payment (id_token)",
}


def timeline_rows(events: pa.Table) -> pa.Table:
    """Silver events → timeline rows: renamed, holders without a token left out."""
    events = events.filter(pc.is_valid(events["id_token"]))
    return events.select(list(COLUMNS)).rename_columns(list(COLUMNS.values()))


def ensure_indexes(conn) -> None:
    """The timeline's and the person lookup's indexes (created once, kept across batch loads)."""
    with conn.cursor() as cur:
        for name, target in INDEXES.items():
            cur.execute(f"select to_regclass('{target.split(' ')[0]}') is not null")
            if cur.fetchone()[0]:  # a table the pipeline has not loaded yet gets its index later
                cur.execute(f'create index if not exists "{name}" on {target}')
        cur.execute(f"analyze public.{TABLE}")
    conn.commit()


def load_table(conn, rows: pa.Table, ds: date) -> int:
    """Replace the batch ``ds`` of the timeline with ``rows`` (already in timeline shape)."""
    loaded = replace_partition(conn, TABLE, rows, "_logical_date", ds)
    ensure_indexes(conn)
    return loaded


def run(ds: date, root: str | None = None) -> int:
    """Load the events of batch ``ds`` from silver (in the lake at ``root``, default the platform's);
    rows loaded (0 when silver has no events yet)."""
    uri = lake.table_uri(SOURCE, root)
    if not lake.exists(uri):
        return 0
    events = lake.read(uri, columns=list(COLUMNS), filter=[("_logical_date", "=", ds)])
    with adbc.connect(db.dsn("analytics")) as conn:
        return load_table(conn, timeline_rows(events), ds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.trajectory_load", description="silver.card_use_event → raw_trajectory_event"
    )
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    args = parser.parse_args(argv)
    print(f"装载 {TABLE} {args.ds}: {run(args.ds)} 行")
    return 0


if __name__ == "__main__":
    sys.exit(main())
