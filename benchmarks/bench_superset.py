"""p95 of every chart's query, directly in PostgreSQL and through Superset's chart-data API.

Issue 4's figure (the marts dbt built from 10M raw rows: `bench_dbt --generate bench` first):

    YKT_HOME=/tmp/bench-home .venv/bin/python -m benchmarks.bench_superset --database analytics --no-seed

`--no-seed` measures the marts already in `--database` (for `analytics`: what `dbt build` made of
the bench-scale raw shape, `benchmarks.bench_scale_raw`). Without it, a database
`analytics_bench_superset` is seeded with `superset_assets.sample_marts`: `--rows-per-mart` rows
in each declared mart (9 marts × 1M ≈ 10M rows, generated as `rows / --copies` distinct rows
repeated inside PostgreSQL) — a stress test of marts far larger than dbt makes them. Superset
is served like `make run` serves it (gunicorn, 2 workers, no result cache; `force` on every request).

Per chart, interleaved: the chart's SQL run directly on one connection (city-wide, then with the
row-level security filter of the 县级 user, `county_code = '511102'`, on regional datasets), then
the same query as a chart-data request of the 市级 user, then of the 县级 user whose row-level
security adds the county filter: p50/p95 over `--runs` after one warm-up. Baseline: Superset's
bare `/health` in the same run. Target (issue 4): p95 ≤ 300 ms per chart, every way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

TARGET_MS = 300.0


def _stats(samples: list[float]) -> dict[str, float]:
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
    return {"p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--rows-per-mart", type=int, default=1_000_000)
    args.add_argument("--copies", type=int, default=10, help="rows generated once, repeated in SQL")
    args.add_argument("--runs", type=int, default=20)
    args.add_argument("--database", default="analytics_bench_superset")
    args.add_argument("--no-seed", action="store_true")
    args.add_argument("--port", type=int, default=8099)
    args.add_argument("--resume", action="store_true", help="keep the charts of an interrupted run")
    opts = args.parse_args()
    os.environ.setdefault("YKT_HOME", str(Path("var/bench").resolve()))

    import httpx
    import psycopg

    from benchmarks._report import RESULTS, readme_line, write
    from superset_assets import declaration as decl
    from superset_assets import loader, process, queries, sample_marts, security
    from superset_assets.client import SupersetClient
    from yikatong import db

    if not opts.no_seed:
        started = time.perf_counter()
        sample_marts.seed(opts.database, opts.rows_per_mart, copies=opts.copies)
        seconds = time.perf_counter() - started
        print(
            f"seeded {opts.rows_per_mart:,} rows × {len(decl.DATASETS)} marts in {seconds:.0f} s", flush=True
        )
    loaded = loader.load(opts.database, port=opts.port)
    served = process.serve(opts.port, workers=2)
    users = {u.username: u for u in security.demo_users()}
    city = SupersetClient(served.url, "city_analyst", users["city_analyst"].password, timeout=120)
    county = SupersetClient(served.url, "szq_analyst", users["szq_analyst"].password, timeout=120)
    figures: dict[str, dict] = {}
    partial = RESULTS / "superset.json"
    if opts.resume and partial.exists() and json.loads(partial.read_text()).get("partial"):
        figures = json.loads(partial.read_text())["figures"]["charts"]
    health: list[float] = []
    counts: dict[str, int] = {}
    try:
        with psycopg.connect(db.dsn(opts.database)) as conn:
            counts = {
                d.table: conn.execute(f'select count(*) from "{d.schema}"."{d.table}"').fetchone()[0]
                for d in decl.DATASETS
            }
            print("rows:", counts, flush=True)
            for chart in [c for c in decl.CHARTS if c.key not in figures]:
                dataset_id = loaded.datasets[chart.dataset]
                regional = decl.dataset(chart.dataset).region_column is not None
                sql = queries.direct_sql(chart)
                region = decl.dataset(chart.dataset).region_column
                county_sql = queries.direct_sql(chart, where=f"{region} = '{users['szq_analyst'].region}'")
                ways = ("direct", "direct_county", "api_city", "api_county")
                samples: dict[str, list[float]] = {way: [] for way in ways}
                for i in range(opts.runs + 1):
                    t = time.perf_counter()
                    conn.execute(sql).fetchall()
                    direct = time.perf_counter() - t
                    direct_county = None
                    if regional:
                        t = time.perf_counter()
                        conn.execute(county_sql).fetchall()
                        direct_county = time.perf_counter() - t
                    t = time.perf_counter()
                    city.chart_data(chart, dataset_id).raise_for_status()
                    api_city = time.perf_counter() - t
                    api_county = None
                    if regional:
                        t = time.perf_counter()
                        county.chart_data(chart, dataset_id).raise_for_status()
                        api_county = time.perf_counter() - t
                    t = time.perf_counter()
                    httpx.get(f"{served.url}/health").raise_for_status()
                    if i:  # the first round is the warm-up
                        health.append(time.perf_counter() - t)
                        samples["direct"].append(direct)
                        if direct_county is not None:
                            samples["direct_county"].append(direct_county)
                        samples["api_city"].append(api_city)
                        if api_county is not None:
                            samples["api_county"].append(api_county)
                row = {name: _stats(s) for name, s in samples.items() if s}
                row["ratio_api_city_to_direct_p95"] = round(
                    row["api_city"]["p95_ms"] / max(row["direct"]["p95_ms"], 0.01), 2
                )
                figures[chart.key] = {"dataset": chart.dataset, "title": chart.title, **row}
                print(chart.key, row, flush=True)
                write("superset", "(partial)", {"charts": figures}, partial=True)
    finally:
        city.close()
        county.close()
        process.stop()
    worst = {
        way: max(f[way]["p95_ms"] for f in figures.values() if way in f)
        for way in ("direct", "direct_county", "api_city", "api_county")
    }
    meets = {way: sum(f[way]["p95_ms"] <= TARGET_MS for f in figures.values() if way in f) for way in worst}
    overall = {
        "charts": len(figures),
        "rows": counts,
        "rows_total": sum(counts.values()),
        "worst_p95_ms": worst,
        "charts_meeting_target": meets,
        "target_p95_ms": TARGET_MS,
        "baseline_health": _stats(health),
        "median_of_chart_p95_ms": {
            way: round(statistics.median(f[way]["p95_ms"] for f in figures.values() if way in f), 2)
            for way in worst
        },
    }
    source = "sample marts" if not opts.no_seed else f"the marts of `{opts.database}`"
    overall["marts_from"] = source
    if opts.no_seed:
        with psycopg.connect(db.dsn(opts.database)) as conn:
            raw = conn.execute(
                "select coalesce(sum(n_live_tup), 0) from pg_stat_user_tables "
                "where schemaname = 'public' and relname like 'raw\\_%'"
            ).fetchone()[0]
        overall["raw_rows_estimate"] = int(raw)
        source += f", dbt-built from ~{int(raw):,} raw rows"
    command = " ".join(["python -m benchmarks.bench_superset", *sys.argv[1:]])
    print(write("superset", command, {"overall": overall, "charts": figures}))
    med = overall["median_of_chart_p95_ms"]
    readme_line(
        "superset",
        command,
        f"{len(figures)} charts on {sum(counts.values()):,} mart rows ({source}): p95 median over charts "
        f"direct {med['direct']} ms (县级 filter {med['direct_county']} ms) / chart-data API 市级 "
        f"{med['api_city']} ms / 县级 (RLS) {med['api_county']} ms; worst p95 direct {worst['direct']} / "
        f"{worst['direct_county']} / API {worst['api_city']} / {worst['api_county']} ms; "
        f"≤ {TARGET_MS:.0f} ms: "
        f"{meets['direct']}/{meets['direct_county']}/{meets['api_city']}/{meets['api_county']} charts; "
        f"bare /health p50 {overall['baseline_health']['p50_ms']} ms; load {os.getloadavg()[0]:.1f} "
        f"({time.strftime('%Y-%m-%d')})",
    )


if __name__ == "__main__":
    main()
