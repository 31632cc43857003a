"""`dbt build` of the marts, timed as the pipeline task runs it, against running the same SQL by hand.

    YKT_HOME=var/bench-dbt .venv/bin/python -m benchmarks.bench_dbt --runs 3

Needs a world already loaded into that home's `analytics` (simulate → ingest → conform → load at
the scale to measure). Three things are timed, interleaved after a warm-up (BENCHMARKS.md):

- `dbt build` — seeds, models, data tests and unit tests (what `transform_marts` runs);
- `dbt run` — the models alone;
- baseline — the very SQL dbt compiled for those models (manifest `compiled_code`), executed in
  dbt's own order over one psycopg connection (`drop … cascade; create view|table … as …`):
  the same logical work with no dbt around it. The figure is `dbt run` / baseline.
"""

from __future__ import annotations

import argparse
import json
import sys

import psycopg

from benchmarks._report import clocked, interleaved, readme_line, write


def _models_in_order() -> list[dict]:
    """The models of the last `dbt run`, in execution order, with their compiled SQL."""
    from pipeline import transform

    target = transform.target_dir()
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    results = json.loads((target / "run_results.json").read_text())["results"]
    ordered = sorted(
        (r for r in results if r["unique_id"].startswith("model.")),
        key=lambda r: r["timing"][0]["started_at"] if r["timing"] else "",
    )
    return [manifest[r["unique_id"]] for r in ordered]


def baseline_sql(models: list[dict]) -> list[str]:
    statements = []
    for node in models:
        kind = "table" if node["config"]["materialized"] == "table" else "view"
        name = f'"{node["schema"]}"."{node["alias"]}"'
        statements += [
            f"drop {kind} if exists {name} cascade",
            f"create {kind} {name} as {node['compiled_code']}",
        ]
    return statements


def run_baseline(statements: list[str]) -> float:
    from yikatong import db

    def work() -> None:
        with psycopg.connect(db.dsn("analytics"), autocommit=False) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.commit()

    seconds, _ = clocked(work)
    return seconds


def dbt_seconds(args: list[str]) -> float:
    from pipeline import transform

    seconds, result = clocked(lambda: transform.invoke(args))
    if not result.success:
        raise SystemExit(f"dbt {' '.join(args)} failed: {result.failures[:5]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="demo", help="the scale of the loaded world (for the record)")
    opts = parser.parse_args()
    from yikatong import db

    with psycopg.connect(db.dsn("analytics")) as conn:
        raw_rows = {
            name: conn.execute(f'select count(*) from public."{name}"').fetchone()[0]
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public' "
                "and table_name like 'raw\\_%' order by 1"
            ).fetchall()
        }
    dbt_seconds(["build"])  # seeds, and the compiled manifest the baseline executes
    statements = baseline_sql(_models_in_order())
    figures = interleaved(
        opts.runs,
        {
            "dbt_build": lambda: dbt_seconds(["build"]),
            "dbt_run": lambda: dbt_seconds(["run"]),
            "baseline_sql": lambda: run_baseline(statements),
        },
    )
    ratio = round(figures["dbt_run"]["median_s"] / figures["baseline_sql"]["median_s"], 2)
    figures["ratio_dbt_run_to_baseline"] = ratio
    with psycopg.connect(db.dsn("analytics")) as conn:
        names = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        marts = {n: conn.execute(f'select count(*) from marts."{n}"').fetchone()[0] for (n,) in names}
    command = " ".join(["python -m benchmarks.bench_dbt", *sys.argv[1:]])
    path = write("dbt", command, figures, scale=opts.scale, raw_rows=raw_rows, mart_rows=marts,
                 models=len(statements) // 2)  # fmt: skip
    b, r, s = figures["dbt_build"], figures["dbt_run"], figures["baseline_sql"]
    readme_line(
        f"dbt ({opts.scale})",
        f".venv/bin/python -m benchmarks.bench_dbt --runs {opts.runs}",
        f"{sum(raw_rows.values()):,} raw rows: `dbt build` (seeds, {len(statements) // 2} models, data and "
        f"unit tests) {b['median_s']} s median ({b['min_s']}–{b['max_s']}); `dbt run` {r['median_s']} s; "
        f"the same compiled SQL run directly {s['median_s']} s → ratio {ratio} ({opts.runs} runs)",
    )
    print(path, json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
