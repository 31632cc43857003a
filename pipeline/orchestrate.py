"""Run the whole pipeline for one business date through Airflow itself (`ykt pipeline run`).

The DAGs chain through Assets: every `ingest_<source>` emits bronze Assets, `conform_silver` is
scheduled on all of them and emits silver Assets, `load_analytics` is scheduled on those. A served
scheduler follows that chain by itself; `airflow dags test`, which runs one DAG run in-process and
offline, does **not** trigger asset-scheduled DAGs. So `run_pipeline` reads the DAGs' declared
assets (parsing the DAG folder in Airflow's environment), sorts the DAGs topologically and runs each
with `dags test` for the same logical date, stopping at the first failure. There is no second code
path: every task is the DAG's own task, run by Airflow, with its retries and timeouts.

Run it while the DAGs are paused in a served Airflow (they are, at creation): an unpaused DAG's
running test run would also be picked up by the scheduler.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable
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
    migrate,
    run_dag,
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


def topological(graph: dict[str, set[str]]) -> list[str]:
    """Kahn's order of `graph` (dag → its prerequisites); ties by name, DAGs without any first."""
    waiting = {k: set(v) for k, v in graph.items()}
    order: list[str] = []
    while waiting:
        ready = sorted(k for k, deps in waiting.items() if not deps)
        if not ready:
            raise AirflowError(f"DAG 资产依赖有环 / asset dependencies form a cycle: {sorted(waiting)}")
        for dag_id in ready:
            order.append(dag_id)
            del waiting[dag_id]
        for deps in waiting.values():
            deps.difference_update(ready)
    return order


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


def run_pipeline(ds: date, progress: Progress | None = None) -> PipelineRun:
    """Run every DAG for logical date `ds` through `airflow dags test`, in asset order.

    `progress(dag_id, None)` is called before each DAG and `progress(dag_id, result)` after it.
    Stops at the first failed DAG: later DAGs, which consume its Assets, do not run.
    """
    from yikatong import db

    started = time.perf_counter()
    db.ensure_databases()  # the platform's databases the tasks write (idempotent, as `make run` does)
    migration = migrate()
    run = PipelineRun(ds, dag_order(), migration=migration)
    for dag_id in run.order:
        if progress:
            progress(dag_id, None)
        result = run_dag(dag_id, ds)
        run.runs.append(result)
        if progress:
            progress(dag_id, result)
        if not result.ok:
            break
    run.seconds = time.perf_counter() - started
    return run
