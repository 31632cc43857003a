"""`ykt pipeline`: run the pipeline through Airflow, show its reconciliation, serve or stop Airflow.

Also the `make run` stages `stage_pipeline` and `stage_airflow` (each returns its one-line result).
Heavy imports stay inside the commands so `ykt --help` stays fast.
"""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

app = typer.Typer(help="数据流水线（Airflow）：运行、对账状态、启动与停止 Airflow", no_args_is_help=True)
console = Console()


def _default_ds() -> date:
    """The upstream systems' current as-of date (the simulator's state; its anchor if never simulated)."""
    from simulators import state
    from simulators.scales import ANCHOR

    try:
        return state.load().as_of
    except state.NotSimulatedError:
        return ANCHOR


def _parse_ds(value: str | None) -> date:
    if not value:
        return _default_ds()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"无法识别日期 {value!r}，应为 YYYY-MM-DD", param_hint="--ds") from None


@app.command("run")
def run(ds: str = typer.Option(None, "--ds", help="业务日期 YYYY-MM-DD（默认：模拟数据的当前日期）")) -> None:
    """通过 Airflow 按资产依赖顺序运行全部 DAG（采集 → 统一口径 → 装载）。"""
    from pipeline.airflow_env import AirflowError
    from pipeline.orchestrate import run_pipeline

    day = _parse_ds(ds)

    def progress(dag_id: str, result) -> None:
        if result is None:
            console.print(f"… {dag_id}", style="dim")
        elif result.ok:
            console.print(f"[green]✔[/green] {dag_id}（{len(result.tasks)} 个任务，{result.seconds:.0f}s）")
        else:
            console.print(f"[red]✘[/red] {dag_id}")

    try:
        result = run_pipeline(day, progress=progress)
    except AirflowError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(result.message, style=None if result.ok else "red")
    if slowest := result.task_seconds()[:3]:
        named = "，".join(f"{name} {seconds:.0f}s" for name, seconds in slowest)
        console.print(f"最慢的任务 / slowest tasks: {named}", style="dim")
    if not result.ok:
        raise typer.Exit(1)


@app.command("status")
def status() -> None:
    """对账状态：每条路由最近一次运行的 源 = bronze = silver + 隔离区；有不一致时退出码为 1。"""
    from pipeline.status import status as show

    show()


@app.command("airflow-serve")
def airflow_serve() -> None:
    """启动本地 Airflow（api-server、scheduler、dag-processor、triggerer），打印地址与登录。"""
    from pipeline.airflow_env import AirflowError

    try:
        console.print(stage_airflow())
    except AirflowError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@app.command("airflow-stop")
def airflow_stop() -> None:
    """停止 `airflow-serve` 启动的 Airflow 进程。"""
    from pipeline import airflow_env

    stopped = airflow_env.stop()
    console.print(f"已停止 / stopped: {', '.join(stopped)}" if stopped else "Airflow 未在运行 / not running")


def stage_pipeline() -> str:
    """`make run` stage: the daily run for the as-of date through Airflow; raises on failure.

    Skipped (one line saying so) when that date already ran to the end on the same upstream data
    and every route reconciles exactly, so a second `make run` stays fast.
    """
    from pipeline.airflow_env import AirflowError
    from pipeline.orchestrate import completed, run_pipeline, unreconciled

    day = _default_ds()
    if completed(day):
        return (
            f"业务日期 {day} 已运行且对账全部一致，跳过（重新运行：ykt pipeline run --ds {day}；"
            "对账：ykt pipeline status）"
        )
    result = run_pipeline(day)
    if not result.ok:
        raise AirflowError(result.message)
    tasks = sum(len(r.tasks) for r in result.runs)
    bad = unreconciled(day)
    verdict = f"对账不一致：{', '.join(bad)}（ykt pipeline status）" if bad else "对账全部一致"
    return (
        f"Airflow 运行 {len(result.runs)} 个 DAG、{tasks} 个任务（业务日期 {result.ds}，"
        f"{result.seconds:.0f}s），{verdict}"
    )


def stage_airflow() -> str:
    """`make run` stage: migrate Airflow's database and serve it; returns the address and the login."""
    from pipeline import airflow_env

    airflow_env.migrate()
    served = airflow_env.serve()
    state = "已启动" if served.started else "已在运行"
    return f"Airflow {served.url} {state}；登录 {served.user} / {served.password}"
