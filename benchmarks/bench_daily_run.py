"""The `demo`-scale daily run, timed per phase: ingest → conform → reconcile → monitor → load.

    .venv/bin/python -m benchmarks.bench_daily_run [--runs 1] [--tree PATH] [--name daily_run]

Each phase runs the very commands the DAGs' tasks run (``python -m pipeline.tasks ingest --route R``
per route, ``conform --dataset …`` once per domain of ``conform_silver`` with its own Spark
session, then ``reconcile``, ``monitor``, ``load``), one after another as ``ykt pipeline run``
does, without Airflow's own per-task overhead. It works in its own ``YKT_HOME`` (``var/bench``):
the upstream systems are simulated there at ``demo`` scale once (not timed), and every run starts
without bronze, silver, quarantine and lineage tables, so each is a first daily run. ``--tree``
runs another checkout's code (e.g. an export of ``HEAD``) against the same data: the baseline of
a before/after comparison. The figure of issue 3: the whole run ≤ 10 min.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._report import readme_line, summary, write

TARGET_S = 600.0
HOME = Path("var/bench").resolve()
LAYERS = ("bronze", "silver", "quarantine", "lineage")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--tree", type=Path, default=Path.cwd(), help="the checkout whose code runs")
    parser.add_argument("--name", default="daily_run", help="results/<name>.json")
    opts = parser.parse_args()
    ds = ensure_demo_world()
    runs = []
    for i in range(opts.runs):
        print(f"  run {i + 1}/{opts.runs} ({opts.tree})", flush=True)
        runs.append(daily_run(opts.tree.resolve(), ds))
        print(f"  total {runs[-1]['total_s']} s, phases {runs[-1]['phases_s']}", flush=True)
    totals = [r["total_s"] for r in runs]
    total = summary(totals)
    figures = {"total": {**total, "target_s": TARGET_S, "meets_target": total["median_s"] <= TARGET_S}}
    figures |= {p: summary([r["phases_s"][p] for r in runs]) for p in runs[0]["phases_s"]}
    command = " ".join([".venv/bin/python -m benchmarks.bench_daily_run", *sys.argv[1:]])
    path = write(opts.name, command, figures, scale="demo", logical_date=ds, tree=str(opts.tree), runs=runs)
    phases = ", ".join(f"{p} {figures[p]['median_s']:.0f} s" for p in runs[0]["phases_s"])
    domains = ", ".join(f"{d} {s:.0f} s" for d, s in runs[-1]["conform_domains_s"].items())
    readme_line(
        opts.name,
        command,
        f"demo-scale daily run (the DAG tasks' commands, one after another) {total['median_s']:.0f} s median "
        f"({total['min_s']:.0f}–{total['max_s']:.0f} s, {total['runs']} runs, target ≤ {TARGET_S:.0f} s): "
        f"{phases}; conform by domain {domains} (load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores; {time.strftime('%Y-%m-%d')})",
    )
    print(path)


if __name__ == "__main__":
    main()
