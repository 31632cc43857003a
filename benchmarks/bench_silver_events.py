"""Benchmark: card-use events bronze → silver (``spark_jobs.card_use_event``) beside a DuckDB query.

Run with ``.venv/bin/python -m benchmarks.bench_silver_events`` (``--scale demo`` for 1M events).
Set-up, not timed: the world as ``benchmarks.bench_events`` builds it, its events written by
``simulators.events.write_events`` (``scale.events`` over ``scale.event_days`` days), landed as
one bronze batch (logical date ANCHOR) in a lake of its own, with the card master's numbers as
the bronze card tables. Timed, in one process:

- ours: ``spark_jobs.card_use_event.main(ANCHOR, spark)`` in a started Spark session (its
  start-up is reported apart): type by scenario, card-master check, ID check, HMAC-SM3 tokens
  and masks (Spark), the Great Expectations contract with quarantine, the Delta write;
- baseline: DuckDB over the same bronze parquet doing the same logical work without the
  cryptography and without writing: type by scene via a join, drop the same defects (unknown or
  missing card, missing or future time, negative amount, unknown scene), aggregate per kind and
  day. Its result must equal the same aggregate of our silver table (checked).

The two alternate (A B A B …, after one warm-up each unless ``--no-warmup``: at ``bench`` scale
one pass takes minutes); figures are medians of ``--runs``; results go to
``benchmarks/results/silver_events.json`` (``silver_events_<scale>.json`` below bench) and a line
in ``benchmarks/results/README.md``. The figure of issue 3: 10M events (``bench``) in ≤ 8 min.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks._report import clocked, interleaved, readme_line, write

TARGET_S = 480.0  # issue 3: 10M events bronze → silver in ≤ 8 min
BASELINE_SQL = """
with cards as (select distinct aaz500 from read_parquet($cards)),
typed as (
  select e.*, s.kind as trajectory_kind
  from read_parquet($events) e left join read_csv($scenes, header = true) s using (scene_code)
)
select trajectory_kind, cast(timezone('Asia/Shanghai', event_time) as date) as event_date,
       count(*) as events, round(sum(amount), 2) as amount
from typed
where card_no in (select aaz500 from cards)
  and event_time is not null and event_time < $window_end
  and (amount is null or amount >= 0)
  and trajectory_kind is not null
group by all
order by all
"""
SILVER_SQL = """
select trajectory_kind, event_date, count(*) as events, round(sum(amount), 2) as amount
from read_parquet($silver, hive_partitioning = true) group by all order by all
"""


def land_bronze(world, sources: Path) -> int:
    """The events as one bronze batch for ANCHOR, and the card master's numbers (not timed)."""
    import pyarrow as pa
    import pyarrow.dataset as pds

    from pipeline.ingest import with_lineage
    from pipeline.routes import route
    from simulators.scales import ANCHOR
    from yikatong import lake

    events = route("card_events.card_events")
    files = pds.dataset(sources / "card_events", format="parquet")
    landed = dt.datetime.now(dt.UTC)
    batches = (with_lineage(pa.Table.from_batches([b]), events, ANCHOR, landed).to_batches()[0]
               for b in files.to_batches() if b.num_rows)  # fmt: skip
    schema = with_lineage(files.schema.empty_table(), events, ANCHOR, landed).schema
    reader = pa.RecordBatchReader.from_batches(schema, batches)
    lake.replace_partition(lake.table_uri(events.bronze), reader, {"_logical_date": ANCHOR})
    cards = pa.table({"aaz500": world.cards["card_no"], "_logical_date": [ANCHOR] * world.cards.num_rows})
    for route_id in ("card_system.kgl_card", "holder.cyk_card"):
        lake.replace_partition(lake.table_uri(route(route_id).bronze), cards, {"_logical_date": ANCHOR})
    return files.count_rows()


def files_of(name: str) -> list[str]:
    from deltalake import DeltaTable

    from yikatong import lake

    return [uri.removeprefix("file://") for uri in DeltaTable(lake.table_uri(name)).file_uris()]


def run_ours(spark) -> tuple[float, dict]:
    from simulators.scales import ANCHOR
    from spark_jobs import card_use_event

    seconds, result = clocked(lambda: card_use_event.main(ANCHOR, spark))
    steps = {k: round(v, 1) for k, v in result.steps.items()}
    return seconds, {"accepted": result.accepted, "quarantined": result.quarantined, "steps": steps}


def run_baseline() -> tuple[float, list]:
    import duckdb

    from pipeline.ingest import window_end
    from simulators.scales import ANCHOR
    from spark_jobs.card_use_event import SCENES

    params = {"events": files_of("bronze.card_events__card_events"), "scenes": str(SCENES),
              "cards": files_of("bronze.card_system__kgl_card"),
              "window_end": window_end(ANCHOR)}  # fmt: skip

    def query() -> list:
        with duckdb.connect() as con:
            return con.execute(BASELINE_SQL, params).fetchall()

    return clocked(query)


def silver_aggregate() -> list:
    import duckdb

    con = duckdb.connect()
    rows = con.execute(SILVER_SQL, {"silver": files_of("silver.card_use_event")}).fetchall()
    con.close()
    return rows


def prepare(scale: str, seed: int, tmp: Path) -> tuple[object, int, dict]:
    """World, events and bronze (not timed); returns the world, the event count and set-up seconds."""
    from benchmarks.bench_events import build_world
    from simulators import events
    from simulators.scales import ANCHOR

    t0 = time.perf_counter()
    world = build_world(scale, seed)
    t1 = time.perf_counter()
    start = ANCHOR - dt.timedelta(days=world.scale.event_days - 1)
    events.write_events(world, start, ANCHOR, root=tmp / "sources")
    t2 = time.perf_counter()
    rows = land_bronze(world, tmp / "sources")
    setup = {"world_s": round(t1 - t0, 1), "write_events_s": round(t2 - t1, 1),
             "bronze_s": round(time.perf_counter() - t2, 1)}  # fmt: skip
    return world, rows, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="bench", choices=("small", "demo", "bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-warmup", dest="warmup", action="store_false", help="no warm-up pass")
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_silver_events_") as tmp:
        os.environ["YKT_LAKE_URI"] = str(Path(tmp) / "lake")
        os.environ.setdefault("YKT_SPARK_DRIVER_MEMORY", "8g")
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        report = measure(args, Path(tmp))
    save(report)
    print(json.dumps(report, ensure_ascii=False, indent=2, default=str))


def measure(args: argparse.Namespace, tmp: Path) -> dict:
    from yikatong import lake

    _world, rows, setup = prepare(args.scale, args.seed, tmp)
    t0 = time.perf_counter()
    spark = lake.spark_session("bench-silver-events")
    setup["spark_start_s"] = round(time.perf_counter() - t0, 1)
    details: list[dict] = []
    baseline_rows: list[list] = []

    def ours() -> float:
        seconds, info = run_ours(spark)
        details.append(info)
        return seconds

    def baseline() -> float:
        seconds, result = run_baseline()
        baseline_rows.append(result)
        return seconds

    works = {"spark_silver": ours, "duckdb_baseline": baseline}
    figures = interleaved(args.runs, works, warmup=args.warmup)
    same = silver_aggregate() == baseline_rows[-1]
    return _report(args, rows, setup, figures, details[-1], same)


def _report(args, rows: int, setup: dict, figures: dict, last: dict, same: bool) -> dict:
    mine, base = figures["spark_silver"], figures["duckdb_baseline"]
    warm = "" if args.warmup else " --no-warmup"
    return {
        "command": f".venv/bin/python -m benchmarks.bench_silver_events --scale {args.scale} "
        f"--runs {args.runs}{warm}",
        "scale": args.scale,
        "events": rows,
        "setup": setup,
        "figures": figures,
        "last_run": last,
        "events_per_s": round(rows / mine["median_s"]),
        "ratio_vs_baseline": round(mine["median_s"] / base["median_s"], 2),
        "same_result_as_baseline": same,
        "target_s": TARGET_S,
        "meets_target": mine["median_s"] <= TARGET_S,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> dict[str, int]:
    """Peak resident memory of this process (the driver's Python) and of its children (the JVM)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return {"python": own, "largest_child": children}


def save(report: dict) -> None:
    suffix = "" if report["scale"] == "bench" else f"_{report['scale']}"
    name = "silver_events" + suffix
    figures = report["figures"]
    extra = {k: v for k, v in report.items() if k not in ("figures", "command")}
    path = write(name, report["command"], figures, **extra)
    record = json.loads(path.read_text(encoding="utf-8"))
    mine, base = figures["spark_silver"], figures["duckdb_baseline"]
    readme_line(
        "silver_events" + (f" ({report['scale']})" if suffix else ""),
        record["command"],
        f"{report['events']:,} card-use events bronze → silver (typed, card and ID checks, SM3 tokens, "
        f"GX contract, Delta write) in {mine['median_s']:.0f} s median ({mine['min_s']:.0f}–"
        f"{mine['max_s']:.0f} s, {mine['runs']} runs, target ≤ {TARGET_S:.0f} s); DuckDB doing the same "
        f"typing, filtering and per-kind/day aggregate {base['median_s']:.1f} s → ratio "
        f"{report['ratio_vs_baseline']} (same result: {report['same_result_as_baseline']}; load average "
        f"{record['loadavg'][0]:.1f} on {record['nproc']} cores; {record['date'][:10]})",
    )


if __name__ == "__main__":
    main()
