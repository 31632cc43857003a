"""The `demo`-scale daily run through Airflow, as `ykt pipeline run` does it, timed per DAG and task.

    .venv/bin/python -m benchmarks.bench_daily_run [--runs 1] [--direct] [--tree PATH] [--name daily_run]

It works in its own ``YKT_HOME`` (``var/bench``): the upstream systems are simulated there at
``demo`` scale once, Airflow's metadata database is migrated once (neither timed), and every run
starts without bronze, silver, quarantine, lineage and gold tables, so each is a first daily run.
A run is ``pipeline.orchestrate.run_pipeline`` (``airflow dags test`` per DAG in asset order: every
``ingest_<source>``, ``conform_silver``, ``load_analytics``, ``transform_marts``, ``build_gold``,
``share_exchange``) in a child process of that home; the figures are its wall time, each DAG's,
and each task's from Airflow's metadata (``task_instance`` start/end: the profile by task).

``--direct`` runs instead the commands the ingest, conform, reconcile, monitor and load tasks run
(``python -m pipeline.tasks …``), one after another without Airflow: the same work without
Airflow's per-task overhead (and without dbt, gold and the share). ``--tree`` runs another
checkout's code against the same data (a before/after baseline). The figure of issue 3: the whole
run ≤ 10 min.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._report import readme_line, summary, write

TARGET_S = 600.0
HOME = Path("var/bench").resolve()
LAYERS = ("bronze", "silver", "quarantine", "lineage", "gold")
# conform_silver's domains (dags/conform_silver.py DOMAINS): one task and one Spark session each
DOMAINS = {
    "people_and_cards": "person,card,bank_account,card_application,card_batch,card_writeback",
    "insurance_and_business": "insurance_enrolment,benefit_payment,medical_settlement,business_transaction",
    "events_and_directories": "card_use_event,directory",
}


def environment() -> dict[str, str]:
    return {**os.environ, "YKT_HOME": str(HOME), "YKT_PROFILE": "demo", "GX_ANALYTICS_ENABLED": "false"}


def task(tree: Path, *args: str) -> tuple[float, str]:
    """One ``pipeline.tasks`` command run from ``tree``; wall seconds and its output (must succeed)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.tasks", *args], cwd=tree, env=environment(), capture_output=True,
        text=True,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"pipeline.tasks {' '.join(args)} 失败:\n{done.stdout}\n{done.stderr[-4000:]}")
    return time.perf_counter() - started, done.stdout.strip()


def ensure_demo_world() -> str:
    """Simulate the demo upstream systems in ``var/bench`` unless they are there; returns the ds."""
    env = environment()
    databases = "from yikatong import db; db.ensure_databases()"
    subprocess.run([sys.executable, "-c", databases], check=True, env=env)
    found = _state(env)
    if found is None or found[0] != "demo":
        ykt = str(Path(sys.executable).with_name("ykt"))
        subprocess.run([ykt, "simulate", "--scale", "demo"], check=True, env=env, stdout=subprocess.DEVNULL)
        found = _state(env)
    return found[1]


def _state(env: dict[str, str]) -> list[str] | None:
    """``[scale, as_of]`` of the simulated world in ``env``'s home, None when never simulated."""
    probe = "from simulators import state; s = state.load(); print(s.scale, s.as_of)"
    found = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return found.stdout.split() if found.returncode == 0 else None


def daily_run(tree: Path, ds: str) -> dict:
    """One daily run from an empty lake; seconds per phase and per conform domain, task outputs."""
    from pipeline.routes import ROUTES

    for layer in LAYERS:  # only the daily run's own layers: other benchmarks may keep gold tables here
        shutil.rmtree(HOME / "lake" / layer, ignore_errors=True)
    phases: dict[str, float] = {}
    domains: dict[str, float] = {}
    outputs: list[str] = []
    started = time.perf_counter()
    for r in ROUTES:
        seconds, out = task(tree, "ingest", "--route", r.route_id, "--ds", ds)
        phases["ingest"] = phases.get("ingest", 0.0) + seconds
        outputs.append(out)
    for domain, datasets in DOMAINS.items():
        domains[domain], out = task(tree, "conform", "--dataset", datasets, "--ds", ds)
        outputs.append(out)
        print(f"    {domain}: {domains[domain]:.0f} s", flush=True)
    phases["conform"] = sum(domains.values())
    for phase in ("reconcile", "monitor", "load"):
        phases[phase], out = task(tree, phase, "--ds", ds)
        outputs.append(out)
    total = time.perf_counter() - started
    return {
        "total_s": round(total, 1),
        "phases_s": {k: round(v, 1) for k, v in phases.items()},
        "conform_domains_s": {k: round(v, 1) for k, v in domains.items()},
        "outputs": outputs,
    }


# Run in the bench home (settings are read once per process): migrate Airflow (not timed), then
# the pipeline through Airflow; prints JSON with the wall time, each DAG's and each task's seconds.
_THROUGH_AIRFLOW = r"""
import json, sys, time
from datetime import date
import sqlalchemy as sa
from pipeline import airflow_env, orchestrate
from yikatong import db

ds = date.fromisoformat(sys.argv[1])
db.ensure_databases()
airflow_env.migrate()
started = time.perf_counter()
run = orchestrate.run_pipeline(ds)
total = time.perf_counter() - started
query = sa.text('''
    select ti.dag_id, ti.task_id, extract(epoch from ti.end_date - ti.start_date) as seconds, ti.try_number
    from task_instance ti join dag_run dr on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id
    where dr.logical_date = :ld and dr.run_after >= now() - make_interval(secs => :age)
    order by seconds desc nulls last''')
with db.engine("airflow").connect() as conn:
    tasks = [dict(r._mapping) for r in conn.execute(query, {"ld": f"{ds}T00:00:00+00:00", "age": total + 60})]
print(json.dumps({"ok": run.ok, "message": run.message, "total_s": round(total, 1),
                  "dags_s": {r.dag_id: round(r.seconds, 1) for r in run.runs},
                  "tasks": [{**t, "seconds": round(float(t["seconds"] or 0), 1)} for t in tasks]}))
"""


def airflow_run(tree: Path, ds: str) -> dict:
    """One daily run through Airflow from an empty lake (child process in the bench home)."""
    for layer in LAYERS:
        shutil.rmtree(HOME / "lake" / layer, ignore_errors=True)
    done = subprocess.run([sys.executable, "-c", _THROUGH_AIRFLOW, ds], cwd=tree, env=environment(),
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"流水线运行失败 / the run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["ok"]:
        raise RuntimeError(result["message"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--direct", action="store_true", help="the tasks' commands without Airflow")
    parser.add_argument("--tree", type=Path, default=Path.cwd(), help="the checkout whose code runs")
    parser.add_argument("--name", default=None, help="results/<name>.json (daily_run, daily_run_direct)")
    opts = parser.parse_args()
    ds = ensure_demo_world()
    runs = []
    for i in range(opts.runs):
        print(f"  run {i + 1}/{opts.runs} ({opts.tree})", flush=True)
        one = daily_run if opts.direct else airflow_run
        runs.append(one(opts.tree.resolve(), ds))
        print(f"  total {runs[-1]['total_s']} s", flush=True)
    command = " ".join([".venv/bin/python -m benchmarks.bench_daily_run", *sys.argv[1:]])
    name = opts.name or ("daily_run_direct" if opts.direct else "daily_run")
    report = _direct_report if opts.direct else _airflow_report
    print(report(name, command, ds, opts.tree, runs))


def _total(runs: list[dict]) -> dict:
    total = summary([r["total_s"] for r in runs])
    return {**total, "target_s": TARGET_S, "meets_target": total["median_s"] <= TARGET_S}


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}"


def _airflow_report(name: str, command: str, ds: str, tree: Path, runs: list[dict]) -> Path:
    figures = {"total": _total(runs)} | {
        d: summary([r["dags_s"][d] for r in runs]) for d in runs[0]["dags_s"]
    }
    path = write(name, command, figures, scale="demo", logical_date=ds, tree=str(tree), runs=runs)
    total = figures["total"]
    slowest = ", ".join(f"{t['dag_id']}.{t['task_id']} {t['seconds']:.0f} s" for t in runs[-1]["tasks"][:4])
    dags = ", ".join(f"{d} {figures[d]['median_s']:.0f} s" for d in runs[0]["dags_s"])
    readme_line(
        name,
        command,
        f"demo-scale daily run through Airflow (`airflow dags test` per DAG, as `ykt pipeline run`) "
        f"{total['median_s']:.0f} s median ({total['min_s']:.0f}–{total['max_s']:.0f} s, {total['runs']} "
        f"runs, target ≤ {TARGET_S:.0f} s); by DAG: {dags}; slowest tasks: {slowest} ({_load()})",
    )
    return path


def _direct_report(name: str, command: str, ds: str, tree: Path, runs: list[dict]) -> Path:
    figures = {"total": _total(runs)}
    figures |= {p: summary([r["phases_s"][p] for r in runs]) for p in runs[0]["phases_s"]}
    path = write(name, command, figures, scale="demo", logical_date=ds, tree=str(tree), runs=runs)
    total = figures["total"]
    phases = ", ".join(f"{p} {figures[p]['median_s']:.0f} s" for p in runs[0]["phases_s"])
    domains = ", ".join(f"{d} {s:.0f} s" for d, s in runs[-1]["conform_domains_s"].items())
    readme_line(
        name,
        command,
        f"demo-scale daily run (the DAG tasks' commands, one after another) {total['median_s']:.0f} s median "
        f"({total['min_s']:.0f}–{total['max_s']:.0f} s, {total['runs']} runs, target ≤ {TARGET_S:.0f} s): "
        f"{phases}; conform by domain {domains} ({_load()})",
    )
    return path


if __name__ == "__main__":
    main()
