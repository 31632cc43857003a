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

The two alternate after one warm-up each (A B A B …); figures are medians of ``--runs``;
results go to ``benchmarks/results/silver_events.json`` (``silver_events_<scale>.json`` below
bench) and a line in ``benchmarks/results/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
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

    started = time.perf_counter()
    result = card_use_event.main(ANCHOR, spark)
    steps = {k: round(v, 1) for k, v in result.steps.items()}
    return time.perf_counter() - started, {"accepted": result.accepted, "quarantined": result.quarantined,
                                           "steps": steps}  # fmt: skip


def run_baseline() -> tuple[float, list]:
    import duckdb

    from pipeline.ingest import window_end
    from simulators.scales import ANCHOR
    from spark_jobs.card_use_event import SCENES

    params = {"events": files_of("bronze.card_events__card_events"), "scenes": str(SCENES),
              "cards": files_of("bronze.card_system__kgl_card"),
              "window_end": window_end(ANCHOR)}  # fmt: skip
    started = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(BASELINE_SQL, params).fetchall()
    con.close()
    return time.perf_counter() - started, rows


def silver_aggregate() -> list:
    import duckdb

    con = duckdb.connect()
    rows = con.execute(SILVER_SQL, {"silver": files_of("silver.card_use_event")}).fetchall()
    con.close()
    return rows


def interleaved(runs: int, works: dict[str, Callable[[], float]]) -> dict[str, dict]:
    """One warm-up of each, then A B A B …; median, min and max per work."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for i in range(runs + 1):
        for name, work in works.items():
            seconds = work()
            print(f"  {name} #{i}: {seconds:.1f} s", flush=True)
            if i:
                times[name].append(seconds)
    return {name: {"median_s": round(statistics.median(t), 2), "min_s": round(min(t), 2),
                   "max_s": round(max(t), 2), "runs": runs} for name, t in times.items()}  # fmt: skip


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
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_silver_events_") as tmp:
        os.environ["YKT_LAKE_URI"] = str(Path(tmp) / "lake")
        os.environ.setdefault("YKT_SPARK_DRIVER_MEMORY", "8g")
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        report = measure(args, Path(tmp))
    save(report)
    print(json.dumps(report, ensure_ascii=False, indent=2))


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

    figures = interleaved(args.runs, {"spark_silver": ours, "duckdb_baseline": baseline})
    same = silver_aggregate() == baseline_rows[-1]
    return _report(args, rows, setup, figures, details[-1], same)


def _report(args, rows: int, setup: dict, figures: dict, last: dict, same: bool) -> dict:
    mine, base = figures["spark_silver"], figures["duckdb_baseline"]
    return {
        "benchmark": "silver_events",
        "command": f".venv/bin/python -m benchmarks.bench_silver_events --scale {args.scale} "
        f"--runs {args.runs}",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "scale": args.scale,
        "events": rows,
        "setup": setup,
        "figures": figures,
        "last_run": last,
        "events_per_s": round(rows / mine["median_s"]),
        "ratio_vs_baseline": round(mine["median_s"] / base["median_s"], 2),
        "same_result_as_baseline": same,
    }


def save(report: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if report["scale"] == "bench" else f"_{report['scale']}"
    (RESULTS / f"silver_events{suffix}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    )
    name = "silver_events" + (f" ({report['scale']})" if suffix else "")
    mine, base = report["figures"]["spark_silver"], report["figures"]["duckdb_baseline"]
    row = (
        f"| {name} | `{report['command']}` | {report['events']:,} card-use events bronze → silver "
        f"(typed, card and ID checks, SM3 tokens, GX contract, Delta write) in {mine['median_s']:.0f} s "
        f"median ({mine['min_s']:.0f}–{mine['max_s']:.0f} s, {mine['runs']} runs); DuckDB doing the same "
        f"typing, filtering and per-kind/day aggregate {base['median_s']:.1f} s → ratio "
        f"{report['ratio_vs_baseline']} (same result: {report['same_result_as_baseline']}; "
        f"{report['date'][:10]}) |"
    )
    readme = RESULTS / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines() if readme.exists() else []
    at = [i for i, line in enumerate(lines) if line.startswith(f"| {name} |")]
    if at:
        lines[at[0]] = row
    else:
        lines.append(row)
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
