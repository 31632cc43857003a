"""
# 源系统采集 · `ingest_<来源>`

每个上游系统一个 DAG，由 `pipeline/routes.py` 中的交换路由声明生成（统一的数据交换标准）：
新增一个来源或一张表，只需新增一条路由声明，这里就多出对应的 DAG 或任务。

每个任务把一条路由在该业务日期的数据抽取到对应的 bronze Delta 表——按经办时间（AAE036）水位
增量抽取、全量快照或文件交换——并产出该表的 bronze 资产；`conform_silver` 以全部 bronze 资产为
调度条件。交换平台的文件先校验（清单、校验和、编码、列数）：不合格的文件移入 `rejected/` 并附原因，
其余文件照常装载。

任务是对核心环境的薄调用（`.venv/bin/python -m pipeline.tasks ingest --route <来源.表> --ds <日期>`）。
每次写入是该日期的一个事务，重试或重跑得到相同的表；上游系统持续不可达时，任务在重试后失败，
不留下任何部分写入。
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

失败重试 {DEFAULT_ARGS["retries"]} 次。

---
{__doc__}"""


@task.bash(cwd=str(REPO_ROOT), skip_on_exit_code=None)
def extract(route_id: str, **context) -> str:
    """采集：一条交换路由在该业务日期的数据 → 对应的 bronze 表（一个事务）。"""
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
