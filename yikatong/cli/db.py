"""`ykt db url|status|stop|start`."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)
console = Console()


def _fail(exc: Exception) -> None:
    console.print(f"[red]错误[/red] {exc}")
    raise typer.Exit(2)


@app.command("url")
def url(database: str = typer.Argument("ops", help="数据库名")) -> None:
    """打印数据库连接串（libpq 格式）。"""
    from yikatong import db

    try:
        print(db.dsn(database))
    except db.DatabaseError as exc:
        _fail(exc)


@app.command("start")
def start() -> None:
    """启动内置 PostgreSQL（未配置 YKT_DATABASE_URL 时）并创建平台数据库。"""
    from yikatong import db

    try:
        created = db.ensure_databases()
    except db.DatabaseError as exc:
        _fail(exc)
    console.print(
        f"数据库就绪 {db.server_url().render_as_string(hide_password=True)}；新建：{created or '无'}"
    )


@app.command("status")
def status() -> None:
    """数据库服务器与各库状态；未运行时退出码 1。"""
    from yikatong import db

    try:
        info = db.status()
    except db.DatabaseError as exc:
        _fail(exc)
    for key, value in info.items():
        console.print(f"{key}: {value}")
    if not info.get("running"):
        raise typer.Exit(1)


@app.command("stop")
def stop() -> None:
    """停止内置 PostgreSQL。"""
    from yikatong import db

    console.print("已停止" if db.stop() else "未在运行（或使用外部数据库）")
