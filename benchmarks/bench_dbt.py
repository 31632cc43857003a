"""`dbt build` of the marts, timed as the pipeline task runs it, against running the same SQL by hand.

    YKT_HOME=var/bench-dbt .venv/bin/python -m benchmarks.bench_dbt --runs 3
    YKT_HOME=/tmp/bench-home .venv/bin/python -m benchmarks.bench_dbt --generate bench --runs 1 --no-warmup

Needs a world loaded into that home's `analytics`: the pipeline's own (simulate → ingest → conform →
load at the scale to measure), or, with `--generate demo|bench`, the raw shape of 1M / 10M rows
synthesised from the small pipeline run by `benchmarks.bench_scale_raw` (its docstring says what
is synthesised; the real loader path is tested at `small` scale). Three things are timed,
interleaved after a warm-up (BENCHMARKS.md):

- `dbt build` — seeds, models, data tests and unit tests (what `transform_marts` runs);
- `dbt run` — the models alone;
- baseline — the very SQL dbt compiled for those models (manifest `compiled_code`), executed in
  dbt's own order over one psycopg connection (`drop … cascade; create view|table … as …`):
  the same logical work with no dbt around it. The figure is `dbt run` / baseline.

Recorded per scale in `results/dbt.json` (`by_scale`; the other scales' figures are kept), with the
ten slowest nodes of the last `dbt build` (dbt's own execution time per model, test or seed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import psycopg

from benchmarks._report import RESULTS, clocked, interleaved, readme_line, summary, write


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


def slowest_nodes(count: int = 10) -> list[dict]:
    """The ``count`` slowest nodes of the last dbt command (``run_results.json``), slowest first."""
    from pipeline import transform

    results = json.loads((transform.target_dir() / "run_results.json").read_text())["results"]
    results.sort(key=lambda r: -r["execution_time"])
    return [{"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in results[:count]]


def _by_scale(scale: str, record: dict) -> dict:
    """Every scale's figures so far (from ``results/dbt.json``) with this one's replaced."""
    path = RESULTS / "dbt.json"
    kept = json.loads(path.read_text()).get("by_scale", {}) if path.exists() else {}
    if not kept and path.exists():  # a record from before `by_scale`: keep it under its scale
        old = json.loads(path.read_text())
        kept = {old.get("scale", "small"): {k: old.get(k) for k in ("command", "date", "loadavg", "figures")}}
    return {**kept, scale: record}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="demo", help="the scale of the loaded world (for the record)")
    parser.add_argument(
        "--generate",
        choices=["demo", "bench"],
        help="first write the synthesised raw shape (bench_scale_raw)",
    )
    parser.add_argument("--no-warmup", action="store_true", help="the first dbt build is the only warm-up")
    opts = parser.parse_args()
    from yikatong import db

    generated = None
    if opts.generate:
        from benchmarks import bench_scale_raw

        opts.scale = opts.generate
        seconds, written = clocked(lambda: bench_scale_raw.write(bench_scale_raw.ROWS[opts.generate]))
        generated = {"seconds": round(seconds, 1), "rows": sum(written.values()),
                     "rows_per_s": round(sum(written.values()) / seconds)}  # fmt: skip

    with psycopg.connect(db.dsn("analytics")) as conn:
        raw_rows = {
            name: conn.execute(f'select count(*) from public."{name}"').fetchone()[0]
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public' "
                "and table_name like 'raw\\_%' order by 1"
            ).fetchall()
        }
    first_build = dbt_seconds(["build"])  # seeds, and the compiled manifest the baseline executes
    print(f"  first dbt build: {first_build:.1f} s", flush=True)
    statements = baseline_sql(_models_in_order())
    slowest: list[dict] = slowest_nodes()
    if opts.runs == 0:  # one build only (the bench scale on a busy machine): that build and one baseline
        figures = {"dbt_build": summary([first_build]), "baseline_sql": summary([run_baseline(statements)])}
        figures["ratio_dbt_build_to_baseline"] = round(first_build / figures["baseline_sql"]["median_s"], 2)
        _record(opts, figures, slowest, raw_rows, generated, len(statements) // 2)
        return

    def build() -> float:
        seconds = dbt_seconds(["build"])
        slowest[:] = slowest_nodes()
        return seconds

    figures = interleaved(
        opts.runs,
        {
            "dbt_build": build,
            "dbt_run": lambda: dbt_seconds(["run"]),
            "baseline_sql": lambda: run_baseline(statements),
        },
        warmup=not opts.no_warmup,
    )
    figures["first_dbt_build_s"] = round(first_build, 2)
    figures["ratio_dbt_run_to_baseline"] = round(
        figures["dbt_run"]["median_s"] / figures["baseline_sql"]["median_s"], 2
    )
    _record(opts, figures, slowest, raw_rows, generated, len(statements) // 2)


def _record(
    opts, figures: dict, slowest: list[dict], raw_rows: dict, generated: dict | None, models: int
) -> None:
    """``results/dbt.json`` (this scale beside the others) and the README row."""
    from yikatong import db

    with psycopg.connect(db.dsn("analytics")) as conn:
        names = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        marts = {n: conn.execute(f'select count(*) from marts."{n}"').fetchone()[0] for (n,) in names}
    command = " ".join(["python -m benchmarks.bench_dbt", *sys.argv[1:]])
    record = {"command": command, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "loadavg": os.getloadavg(),
              "raw_rows_total": sum(raw_rows.values()), "raw_rows": raw_rows, "mart_rows": marts,
              "generated": generated, "slowest_nodes": slowest, "figures": figures}  # fmt: skip
    path = write("dbt", command, figures, scale=opts.scale, raw_rows=raw_rows, mart_rows=marts,
                 models=models, generated=generated, slowest_nodes=slowest,
                 by_scale=_by_scale(opts.scale, record))  # fmt: skip
    b, s = figures["dbt_build"], figures["baseline_sql"]
    run = f"`dbt run` {figures['dbt_run']['median_s']} s; " if "dbt_run" in figures else ""
    ratio = figures.get("ratio_dbt_run_to_baseline", figures.get("ratio_dbt_build_to_baseline"))
    readme_line(
        f"dbt ({opts.scale})",
        f".venv/bin/{command}",
        f"{sum(raw_rows.values()):,} raw rows: `dbt build` (seeds, {models} models, data and "
        f"unit tests) {b['median_s']} s median ({b['min_s']}–{b['max_s']}, {b['runs']} runs); {run}"
        f"the same compiled SQL run directly {s['median_s']} s → ratio {ratio}; "
        f"slowest {slowest[0]['node'].split('.')[-1]} {slowest[0]['seconds']} s; "
        f"load {os.getloadavg()[0]:.1f}",
    )
    print(path, json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
