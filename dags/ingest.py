"""
# 源系统采集 · `ingest_<source>`

One DAG per upstream system, generated from the exchange routes in `pipeline/routes.py`
(统一的数据交换标准): adding a source or a table there adds its DAG or task here.

Each task extracts one route for the run's business date — incrementally on the 经办时间 watermark,
as a full snapshot, or from a file drop — into its bronze Delta table, and emits that table's
bronze Asset. `conform_silver` is scheduled on all of them.

Each task is a thin shell call into the core environment
(`.venv/bin/python -m pipeline.tasks ingest --route <source.table> --ds <date>`); a write is one
transaction for its date, so a retry or rerun gives the same table. A source that stays unreachable
fails the task after its retries, with nothing committed.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, dag, task

from pipeline.airflow_env import DEFAULT_ARGS, REPO_ROOT, mark_outlets, resolve_ds, task_command
from pipeline.routes import SOURCES, Route, SourceSystem, routes_of

_MODE = {"incremental": "增量（按经办时间水位）", "snapshot": "全量快照", "file_drop": "文件交换"}


def _silver(route: Route) -> str:
    return f"`silver.{route.contract}`" if route.contract else "—"


def _doc(source: SourceSystem, routes: list[Route]) -> str:
    rows = "\n".join(
        f"| `{r.table}` | {_MODE[r.mode]} | `{', '.join(r.key)}` | `{r.bronze}` | {_silver(r)} |"
        for r in routes
    )
    where = "数据库" if source.kind == "database" else "文件目录"
    return f"""# 采集 · {source.title}（`{source.name}`）

上游系统：**{source.title}**，{where} `{source.location}`。每条交换路由一个任务，写入对应的 bronze 表。

| 路由 | 方式 | 主键 | bronze 表 | 契约（silver） |
|---|---|---|---|---|
{rows}

Ingest DAG of the `{source.name}` system. Retries: {DEFAULT_ARGS["retries"]}.

---
{__doc__}"""


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def extract(route_id: str, **context) -> str:
    """Extract one exchange route into its bronze table for the run's business date."""
    ds = resolve_ds(context)
    mark_outlets(context, ds)
    return task_command("ingest", "--route", route_id, ds=ds)


def build(source: SourceSystem) -> DAG:
    """The `ingest_<source>` DAG: one task per exchange route of `source`."""
    routes = routes_of(source.name)

    @dag(
        dag_id=f"ingest_{source.name}",
        description=f"采集 {source.title} → bronze",
        schedule="@daily",
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["bronze", source.name],
        doc_md=_doc(source, routes),
    )
    def ingest() -> None:
        for route in routes:
            extract.override(
                task_id=route.table,
                outlets=[Asset(route.bronze, group="bronze")],
                doc_md=f"{route.route_id} → `{route.bronze}`（{_MODE[route.mode]}）",
            )(route.route_id)

    return ingest()


for _source in SOURCES.values():
    globals()[f"ingest_{_source.name}"] = build(_source)
