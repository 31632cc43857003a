"""`ykt superset load|serve|stop|status`: the dashboards (Superset in `.venv-superset`)."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="Superset 看板：装载、启动、停止", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.command("load")
def load(
    database: str = typer.Option("analytics", help="看板读取的分析库（marts 所在的数据库）"),
    force: bool = typer.Option(False, "--force", help="即使导入包未变也重新导入"),
) -> None:
    """写配置、初始化元数据库（仅首次）、导入看板、角色、行级权限与演示账号。"""
    from superset_assets import loader, security

    try:
        loaded = loader.load(database, force=force)
    except loader.SupersetLoadError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"已导入 {len(loaded.dashboards)} 个看板、{len(loaded.charts)} 个图表、"
        f"{len(loaded.datasets)} 个数据集"
        f"{'（首次初始化元数据库）' if loaded.initialised else ''}；登录：{security.logins_text()}"
    )


@app.command("serve")
def serve(
    port: int = typer.Option(None, help="端口（默认 YKT_SUPERSET_PORT，8088）"),
    workers: int = typer.Option(2, help="gunicorn 进程数"),
) -> None:
    """在后台启动 Superset（gunicorn），本命令退出后继续运行。"""
    from superset_assets import config, process

    config.write_config(port)
    try:
        served = process.serve(port, workers)
    except process.SupersetServeError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"Superset {served.url} {'已启动' if served.started else '已在运行'}；停止：ykt superset stop"
    )


@app.command("stop")
def stop() -> None:
    """停止 `ykt superset serve` / `make run` 启动的 Superset。"""
    from superset_assets import process

    console.print("已停止 Superset" if process.stop() else "Superset 未在运行")


@app.command("status")
def status() -> None:
    """Superset 是否在运行、地址与演示账号。"""
    from superset_assets import process, security

    current = process.running()
    if current is None:
        console.print("Superset 未在运行（ykt superset serve 启动）")
        return
    console.print(
        f"Superset {process.url_for(current[1])} 运行中（pid {current[0]}）；登录：{security.logins_text()}"
    )
