"""Run the whole pipeline for one business date through Airflow itself (`ykt pipeline run`).

The DAGs chain through Assets: every `ingest_<source>` emits bronze Assets, `conform_silver` is
scheduled on all of them and emits silver Assets, `load_analytics` is scheduled on those. A served
scheduler follows that chain by itself; `airflow dags test`, which runs one DAG run in-process and
offline, does **not** trigger asset-scheduled DAGs. So `run_pipeline` reads the DAGs' declared
assets (parsing the DAG folder in Airflow's environment), sorts the DAGs topologically into levels
and runs each with `dags test` for the same logical date, the independent DAGs of a level two at a
time, stopping after the level of the first failure. There is no second code path: every task is
the DAG's own task, run by Airflow, with its retries and timeouts.

Run it while the DAGs are paused in a served Airflow (they are, at creation): an unpaused DAG's
running test run would also be picked up by the scheduler.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.airflow_env import (
    AIRFLOW_PYTHON,
    DAGS_FOLDER,
    AirflowError,
    DagRunResult,
    MigrateResult,
    airflow_env,
    airflow_home,
    migrate,
    run_dag,
    sync_dags,
)

# Run in Airflow's environment: parse the DAG folder and describe every DAG as JSON.
_INSPECT = r"""
import json, sys, time
t0 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
t1 = time.perf_counter()
before = set(sys.modules)
bag = DagBag(dag_folder=sys.argv[1])  # Airflow 3.3: no include_examples; LOAD_EXAMPLES=False
t2 = time.perf_counter()

def names(assets):
    return sorted({getattr(a, "name", None) or str(a) for a in assets or ()})

def leaves(condition):  # AssetAll / AssetAny hold `.objects`; an Asset is a leaf
    if condition is None:
        return []
    if hasattr(condition, "objects"):
        return [a for o in condition.objects for a in leaves(o)]
    return [condition]

dags = {}
for dag_id, dag in sorted(bag.dags.items()):
    condition = getattr(dag.timetable, "asset_condition", None)
    scheduled = names(leaves(condition))
    start = dag.start_date
    dags[dag_id] = {
        "fileloc": dag.fileloc,
        "tags": sorted(dag.tags or ()),
        "catchup": dag.catchup,
        "doc_md": dag.doc_md or "",
        "description": dag.description,
        "schedule": getattr(dag.timetable, "expression", None) or type(dag.timetable).__name__,
        "schedule_assets": scheduled,
        "start_date": start.isoformat() if start else None,
        "start_tz": start.tzinfo.tzname(start) if start and start.tzinfo else None,
        "tasks": {
            t.task_id: {
                "operator": t.task_type,
                "retries": t.retries,
                "retry_delay": t.retry_delay.total_seconds() if t.retry_delay else None,
                "execution_timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
                "inlets": names(t.inlets),
                "outlets": names(t.outlets),
                "upstream": sorted(t.upstream_task_ids),
                "doc_md": getattr(t, "doc_md", None),
            }
            for t in dag.tasks
        },
    }
stats = [{"file": s.file, "seconds": s.duration.total_seconds() if hasattr(s.duration, "total_seconds")
          else float(s.duration), "dags": s.dag_num} for s in bag.dagbag_stats]
top = {m.split(".")[0] for m in before}
imported = sorted({m.split(".")[0] for m in set(sys.modules) - before} - top)
imported = [m for m in imported if not m.startswith("unusual_prefix_")]  # the DAG files themselves
result = {"import_seconds": t1 - t0, "parse_seconds": t2 - t1, "stats": stats, "imported": imported,
          "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": dags}
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(result, out, ensure_ascii=False)
"""


def inspect_dags(dag_folder: Path = DAGS_FOLDER) -> dict[str, Any]:
    """Parse `dag_folder` with Airflow's DagBag (in `.venv-airflow`) and describe every DAG.

    Keys: `dags` (dag_id → tags, catchup, doc_md, start date, schedule assets, tasks with retries
    and inlets/outlets), `import_errors`, `parse_seconds` (the DagBag fill alone), `stats`, and
    `imported` (top-level packages the DAG files pulled in: evidence of top-level work).
    """
    if not AIRFLOW_PYTHON.exists():
        raise AirflowError(f"未安装 Airflow 环境 / Airflow environment missing: {AIRFLOW_PYTHON}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dags.json"
        proc = subprocess.run(
            [str(AIRFLOW_PYTHON), "-c", _INSPECT, str(dag_folder), str(out)],
            env=airflow_env(with_database=False),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0 or not out.exists():
            raise AirflowError(f"解析 DAG 失败 / parsing the DAGs failed:\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def asset_graph(dags: dict[str, Any]) -> dict[str, set[str]]:
    """dag_id → the DAGs it waits for (those emitting an Asset it is scheduled on)."""
    producers: dict[str, set[str]] = {}
    for dag_id, info in dags.items():
        for task in info["tasks"].values():
            for asset in task["outlets"]:
                producers.setdefault(asset, set()).add(dag_id)
    return {
        dag_id: {p for a in info["schedule_assets"] for p in producers.get(a, ()) if p != dag_id}
        for dag_id, info in dags.items()
    }


def levels(graph: dict[str, set[str]]) -> list[list[str]]:
    """Kahn's levels of `graph` (dag → its prerequisites): each level needs only earlier ones; by name."""
    waiting = {k: set(v) for k, v in graph.items()}
    found: list[list[str]] = []
    while waiting:
        ready = sorted(k for k, deps in waiting.items() if not deps)
        if not ready:
            raise AirflowError(f"DAG 资产依赖有环 / asset dependencies form a cycle: {sorted(waiting)}")
        found.append(ready)
        for dag_id in ready:
            del waiting[dag_id]
        for deps in waiting.values():
            deps.difference_update(ready)
    return found


def topological(graph: dict[str, set[str]]) -> list[str]:
    """Kahn's order of `graph` (dag → its prerequisites); ties by name, DAGs without any first."""
    return [dag_id for level in levels(graph) for dag_id in level]


def dag_order(dags: dict[str, Any] | None = None) -> list[str]:
    """The DAG ids in the order their Assets chain them (ingest DAGs first)."""
    return topological(asset_graph(dags if dags is not None else inspect_dags()["dags"]))


@dataclass
class PipelineRun:
    """One pipeline run: the DAG runs in order, up to the first failure."""

    ds: date
    order: list[str]
    runs: list[DagRunResult] = field(default_factory=list)
    migration: MigrateResult | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return len(self.runs) == len(self.order) and all(r.ok for r in self.runs)

    def task_seconds(self) -> list[tuple[str, float]]:
        """Every task's run time in Airflow's metadata (``dag.task``, seconds), slowest first."""
        found = [
            (f"{r.dag_id}.{task_id}", t.seconds)
            for r in self.runs
            for task_id, t in r.tasks.items()
            if t.seconds is not None
        ]
        return sorted(found, key=lambda item: -item[1])

    def profile(self) -> dict[str, Any]:
        """Where the run's time went: the whole run, each DAG (`dags test`) and each task, in seconds.

        A DAG's time beyond the sum of its tasks is Airflow's own (process start, DAG parsing and
        sync, the in-process execution API), paid once per `dags test`.
        """
        return {
            "ds": self.ds.isoformat(),
            "seconds": round(self.seconds, 1),
            "dags": {
                r.dag_id: {
                    "seconds": round(r.seconds, 1),
                    "airflow_overhead": round(r.seconds - sum(t.seconds or 0 for t in r.tasks.values()), 1),
                }
                for r in self.runs
            },
            "tasks": {name: round(seconds, 1) for name, seconds in self.task_seconds()},
        }

    @property
    def failed(self) -> DagRunResult | None:
        return next((r for r in self.runs if not r.ok), None)

    @property
    def message(self) -> str:
        failed = self.failed
        if failed is None and self.ok:
            return (
                f"流水线 {self.ds} 成功：{len(self.runs)} 个 DAG，{self.seconds:.0f}s / "
                f"pipeline for {self.ds} succeeded: {len(self.runs)} DAGs in {self.seconds:.0f}s"
            )
        if failed is None:
            return f"流水线 {self.ds} 未完成 / pipeline for {self.ds} did not finish"
        task = failed.failed_task or "?"
        tries = failed.tasks[task].tries if task in failed.tasks else 0
        why = f"\n原因 / reason: {failed.reason}" if failed.reason else ""
        skipped = self.order[len(self.runs) :]
        after = f"\n未运行 / not run: {', '.join(skipped)}" if skipped else ""
        return (
            f"流水线 {self.ds} 失败：DAG {failed.dag_id} 的任务 {task}（尝试 {tries} 次）/ "
            f"pipeline for {self.ds} failed: DAG {failed.dag_id}, task {task} after {tries} attempt(s)"
            f"{why}\n日志 / log: {failed.log_path}{after}"
        )


Progress = Callable[[str, DagRunResult | None], None]


def stamp_path(ds: date) -> Path:
    """Where a successful run of `ds` is recorded (with the upstream data it ran on)."""
    return airflow_home() / "runs" / f"pipeline-{ds.isoformat()}.json"


def _sources_fingerprint() -> str | None:
    """The simulated upstream systems' fingerprint (None where the sources are real)."""
    from simulators import state

    try:
        return state.load().fingerprint
    except state.NotSimulatedError:
        return None


def unreconciled(ds: date) -> list[str]:
    """Routes whose reconciliation for `ds` is missing or not exact."""
    import sqlalchemy as sa

    from pipeline import reconcile
    from pipeline.routes import ROUTES
    from yikatong import db

    reconcile.ensure_schema()
    r = reconcile.reconciliation
    query = sa.select(r.c.route_id).where(r.c.logical_date == ds, r.c.ok)
    with db.engine("analytics").connect() as conn:
        exact = set(conn.scalars(query))
    return [route.route_id for route in ROUTES if route.route_id not in exact]


def completed(ds: date) -> bool:
    """Whether `ds` already ran to the end on the current upstream data and every route reconciles.

    The record is written by `run_pipeline` after the last DAG succeeded; a changed upstream
    (another scale or seed, a day advanced) or any inexact reconciliation means "run again".
    """
    try:
        stamp = json.loads(stamp_path(ds).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("fingerprint") == _sources_fingerprint() and not unreconciled(ds)


def _record_success(run: PipelineRun) -> None:
    stamp = {
        "ds": run.ds.isoformat(),
        "fingerprint": _sources_fingerprint(),
        "dags": run.order,
        "seconds": round(run.seconds, 1),
    }
    stamp_path(run.ds).write_text(json.dumps(stamp, ensure_ascii=False) + "\n", encoding="utf-8")


# DAGs of one level (the ingest DAGs) run side by side: a `dags test` process mostly waits for its
# task's subprocess, so two at a time keep both cores busy without starving them.
PARALLEL_DAGS = 2


def run_pipeline(
    ds: date,
    progress: Progress | None = None,
    parallel: int = PARALLEL_DAGS,
    only: Callable[[str], bool] | None = None,
) -> PipelineRun:
    """Run every DAG for logical date `ds` through `airflow dags test`, in asset order.

    DAGs whose Assets do not depend on each other (one level of the asset graph) run `parallel` at a
    time. `progress(dag_id, None)` is called when a DAG starts and `progress(dag_id, result)` when it
    ends. Stops after the level holding a failed DAG: later DAGs, which consume its Assets, do not run.
    `only` (dag_id → bool) runs just those DAGs, still in asset order (a rerun of the layers up to
    one DAG); such a partial run is not recorded as the date's completed run.
    """
    from yikatong import db

    started = time.perf_counter()
    db.ensure_databases()  # the platform's databases the tasks write (idempotent, as `make run` does)
    migration = migrate()
    graph = asset_graph(inspect_dags()["dags"])
    chosen = [[d for d in level if only is None or only(d)] for level in levels(graph)]
    run = PipelineRun(ds, [d for level in chosen for d in level], migration=migration)
    stamp_path(ds).unlink(missing_ok=True)  # only a run that gets to the end counts as done
    sync_dags()  # before DAGs run side by side (see sync_dags)
    for level in filter(None, chosen):
        run.runs.extend(_run_level(level, ds, progress, parallel))
        if not all(r.ok for r in run.runs):
            break
    run.seconds = time.perf_counter() - started
    if run.ok and only is None:
        _record_success(run)
    return run


def _run_level(level: list[str], ds: date, progress: Progress | None, parallel: int) -> list[DagRunResult]:
    """The DAGs of one level, at most `parallel` at once; results in the level's order."""

    def one(dag_id: str) -> DagRunResult:
        if progress:
            progress(dag_id, None)
        result = run_dag(dag_id, ds)
        if progress:
            progress(dag_id, result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(level))), thread_name_prefix="dag") as pool:
        return list(pool.map(one, level))
