"""Benchmark: the gold layer (``spark_jobs.gold``: aggregation + portraits) beside a DuckDB baseline.

Run with ``.venv/bin/python -m benchmarks.bench_gold --events 10000000`` (issue 7's ``bench``
figure: 10M events, aggregation and portraits ≤ 8 min together). Set-up, not timed: a lake of its
own holding silver-shaped tables (``silver.card_use_event`` with ``--events`` rows over
``--people`` token holders across 12 months, and ``person``, ``card``, ``card_application``,
``insurance_enrolment``, ``benefit_payment`` for those people), generated with numpy, so the
benchmark needs no simulated pipeline run. Timed, alternating (A B A B … after a warm-up):

- ours: ``spark_jobs.gold.build(ds, spark)`` in a started Spark session (start-up reported apart):
  both gold tables, written to Delta;
- baseline: DuckDB over the same silver parquet doing the same aggregation (per token, month,
  kind and place: counts, amount, first/last), written to parquet. Its row count must equal ours.

Results: ``benchmarks/results/gold.json`` and a line in ``benchmarks/results/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from benchmarks._report import clocked, interleaved, readme_line, write

TARGET_S = 480.0
DS = dt.date(2026, 11, 27)
KINDS = ["身份凭证类", "身份校验类", "非医保消费类", "待遇发放类", "信息查询类"]
BASELINE_SQL = """
copy (
  select id_token, strftime(event_date, '%Y-%m') as month, trajectory_kind, county_code, place_code,
         count(*) as events, count(*) filter (where result = '成功') as successful_events,
         sum(coalesce(cast(amount as decimal(18, 2)), 0)) as amount_total,
         min(event_time) as first_event_at, max(event_time) as last_event_at
  from read_parquet($events, hive_partitioning = true)
  where _logical_date <= $ds
  group by all
) to '{out}' (format parquet)
"""


def silver_tables(events: int, people: int, seed: int = 7) -> dict:
    """Silver-shaped Arrow tables (tokens only) for ``people`` holders and ``events`` events."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    tokens = np.array([f"{i:064x}" for i in range(people)])
    counties = np.array(["511102", "511111", "511112", "511123", "511181"])
    county = counties[rng.integers(0, len(counties), people)]
    births = np.datetime64("1940-01-01") + rng.integers(0, 80 * 365, people).astype("timedelta64[D]")
    holder = rng.integers(0, people, events)
    seconds = rng.integers(0, 365 * 86400, events)
    when = np.datetime64("2025-11-28T00:00:00", "us") + (seconds * 1_000_000).astype("timedelta64[us]")
    places = np.array([f"{c}{t:03d}" for c in counties for t in range(1, 11)])
    kind = np.array(KINDS)[rng.integers(0, 5, events)]
    ev = pa.table({
        "event_id": pa.array(np.char.add("E", np.arange(events).astype(str))),
        "id_token": tokens[holder], "event_time": pa.array(when, pa.timestamp("us", "UTC")),
        "event_date": pa.array(when.astype("datetime64[D]"), pa.date32()),
        "channel": np.array(["GJ", "YH", "YY", "ZW"])[rng.integers(0, 4, events)],
        "place_code": places[rng.integers(0, len(places), events)], "trajectory_kind": kind,
        "scene_name": np.char.add("场景", rng.integers(0, 20, events).astype(str)),
        "amount": rng.gamma(2.0, 20.0, events).round(2),
        "result": np.where(rng.random(events) < 0.97, "成功", "失败"),
        "_logical_date": pa.array(np.full(events, DS), pa.date32()),
    })  # fmt: skip
    ev = ev.append_column("county_code", pc.utf8_slice_codeunits(ev["place_code"], 0, 6))
    made = np.datetime64("2026-06-01T00:00:00", "us") + (
        rng.integers(0, 170, people) * 86_400_000_000
    ).astype("timedelta64[us]")
    picked = rng.random(people) < 0.9
    return {
        "card_use_event": ev,
        "person": pa.table(
            {
                "id_token": tokens,
                "id_masked": np.full(people, "511102********0000"),
                "name_masked": np.full(people, "张*"),
                "sex": np.where(rng.random(people) < 0.5, "1", "2"),
                "birth_date": pa.array(births, pa.date32()),
                "county_code": county,
            }
        ),
        "card": pa.table(
            {
                "id_token": tokens,
                "is_current": np.full(people, True),
                "status": np.where(rng.random(people) < 0.95, "正常", "注销"),
                "expires_on": pa.array(
                    np.datetime64("2026-12-01") + rng.integers(0, 3650, people).astype("timedelta64[D]"),
                    pa.date32(),
                ),
            }
        ),
        "card_application": pa.table(
            {
                "id_token": tokens,
                "province_made_at": pa.array(made, pa.timestamp("us", "UTC")),
                "picked_up_at": pa.array(
                    np.where(picked, made, np.datetime64("NaT")), pa.timestamp("us", "UTC")
                ),
            }
        ),
        "insurance_enrolment": pa.table(
            {
                "enrolment_id": np.char.add("R", np.arange(people).astype(str)),
                "id_token": tokens,
                "insurance_type": np.array(["110", "170", "310", "390"])[rng.integers(0, 4, people)],
                "changed_at": pa.array(
                    np.full(people, np.datetime64("2026-01-01T00:00:00", "us")), pa.timestamp("us", "UTC")
                ),
                "_logical_date": pa.array(np.full(people, DS), pa.date32()),
            }
        ),
        "benefit_payment": pa.table(
            {
                "payment_id": np.char.add("P", np.arange(people).astype(str)),
                "id_token": tokens,
                "insurance_type": np.array(["110", "170", "410"])[rng.integers(0, 3, people)],
                "benefit_type": np.array(["养老金", "工伤待遇"])[rng.integers(0, 2, people)],
                "handled_at": pa.array(
                    np.full(people, np.datetime64("2026-11-01T00:00:00", "us")), pa.timestamp("us", "UTC")
                ),
                "_logical_date": pa.array(np.full(people, DS), pa.date32()),
            }
        ),
    }


def land(tables: dict) -> None:
    from yikatong import lake

    for name, table in tables.items():
        parts = ["event_date"] if name == "card_use_event" else []
        lake.overwrite(lake.table_uri(f"silver.{name}"), table, partition_by=parts)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--people", type=int, default=0, help="默认 events/10")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-warmup", action="store_true")
    args = p.parse_args()
    people = args.people or max(args.events // 10, 1000)
    with tempfile.TemporaryDirectory(prefix="ykt-bench-gold-") as home:
        os.environ["YKT_HOME"] = home
        os.environ.pop("YKT_LAKE_URI", None)
        figures = run(args.events, people, args.runs, not args.no_warmup, Path(home))
    command = f"python -m benchmarks.bench_gold --events {args.events} --runs {args.runs}" + (
        " --no-warmup" if args.no_warmup else ""
    )
    write("gold", command, figures, events=args.events, people=people, target_s=TARGET_S)
    ours, base = figures["gold"]["median_s"], figures["duckdb_aggregation"]["median_s"]
    readme_line("gold", command, f"{args.events:,} events: gold {ours} s vs DuckDB aggregation {base} s "
                f"(×{figures['ratio']}); target ≤ {TARGET_S:.0f} s")  # fmt: skip
    print(figures)


def run(events: int, people: int, runs: int, warmup: bool, home: Path) -> dict:
    import duckdb

    from spark_jobs import gold
    from yikatong import lake

    started = time.perf_counter()
    land(silver_tables(events, people))
    setup_s = time.perf_counter() - started
    spark_s, spark = clocked(lambda: lake.spark_session("ykt-bench-gold"))
    uris = [u.removeprefix("file://") for u in _files(lake.table_uri("silver.card_use_event"))]
    out = home / "baseline.parquet"

    def ours() -> float:
        return clocked(lambda: gold.build(DS, spark))[0]

    def baseline() -> float:
        con = duckdb.connect()
        sql = BASELINE_SQL.format(out=out)
        seconds = clocked(lambda: con.execute(sql, {"events": uris, "ds": DS}))[0]
        con.close()
        return seconds

    figures = interleaved(runs, {"gold": ours, "duckdb_aggregation": baseline}, warmup=warmup)
    ours_rows = lake.read(lake.table_uri("gold.trajectory_monthly"), columns=["id_token"]).num_rows
    base_rows = duckdb.connect().execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]
    assert ours_rows == base_rows, (ours_rows, base_rows)
    return figures | {
        "ratio": round(figures["gold"]["median_s"] / figures["duckdb_aggregation"]["median_s"], 2),
        "setup_s": round(setup_s, 1), "spark_start_s": round(spark_s, 1), "trajectory_rows": ours_rows,
        "portrait_rows": lake.read(lake.table_uri("gold.portrait"), columns=["id_token"]).num_rows,
    }  # fmt: skip


def _files(uri: str) -> list[str]:
    from deltalake import DeltaTable

    return DeltaTable(uri).file_uris()


if __name__ == "__main__":
    main()
