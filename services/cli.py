"""`ykt api …`（服务层）与 `ykt audit …`（审计），以及 `make run` 的 API 阶段 `stage_api()`.

Heavy imports stay inside the commands so `ykt --help` stays fast.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

app = typer.Typer(help="服务层 API：启动、迁移、演示账号、登录", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志：校验 HMAC-SM3 审计链", no_args_is_help=True)
console = Console()


@app.command("serve")
def serve(
    host: str = typer.Option(None, help="监听地址（默认 YKT_API_HOST）"),
    port: int = typer.Option(None, help="端口（默认 YKT_API_PORT）"),
    workers: int = typer.Option(None, help="进程数（默认 YKT_API_WORKERS）"),
) -> None:
    """在前台启动 API（uvicorn，uvloop + httptools，多进程）。"""
    import uvicorn

    from yikatong.settings import get_settings

    s = get_settings()
    uvicorn.run(
        "services.app:create_app",
        factory=True,
        host=host or s.api_host,
        port=port or s.api_port,
        workers=workers or s.api_workers,
        loop="uvloop",
        http="httptools",
        proxy_headers=True,
        # longer than any client's pause between calls (kiosks every 5 s): with uvicorn's default of 5 s
        # a kiosk reusing its connection could meet the server closing it (the fleet saw ReadErrors)
        timeout_keep_alive=75,
        access_log=False,
        log_level="warning",
    )


@app.command("migrate")
def migrate() -> None:
    """把服务层数据库迁移到最新版本（不存在时先创建）。"""
    from services import migrations
    from services.base.db import database_name

    migrations.upgrade()
    console.print(f"数据库 {database_name()} 已迁移到版本 {migrations.head_revision()}")


@app.command("create-demo-users")
def create_demo_users() -> None:
    """创建演示账号（仅 demo/test 配置），USB Key 私钥写入 <home>/demo-keys/。"""
    from services.admin import demo
    from services.base.db import database_name
    from yikatong import db

    with db.sessionmaker_for(database_name())() as session:
        try:
            created = demo.ensure_demo_users(session)
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    console.print(f"新建 {len(created)} 个演示账号；{demo.logins_text()}；私钥目录 {demo.keys_dir()}")


@app.command("login")
def login(
    username: str = typer.Argument(..., help="用户名"),
    password: str = typer.Option(None, help="口令（演示账号可省略）"),
    key: str = typer.Option(None, help="SM2 私钥文件（默认 <home>/demo-keys/<用户名>.sm2.json）"),
    url: str = typer.Option(None, help="API 地址（默认 http://YKT_API_HOST:YKT_API_PORT）"),
) -> None:
    """登录（口令 + 用私钥签名挑战码），打印会话令牌。"""
    from services.client import LoginError, login_with_key_file

    try:
        token = login_with_key_file(username, password, key, url)
    except LoginError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    print(token)


@app.command("stop")
def stop() -> None:
    """停止 `make run` 在后台启动的 API。"""
    from services import process

    console.print("已停止 API" if process.stop() else "API 未在后台运行")


def stage_api() -> str:
    """`make run` 阶段：迁移、演示账号、后台启动 API；返回地址与演示登录。"""
    from services import migrations, process
    from services.admin import demo
    from services.base.db import database_name
    from yikatong import db
    from yikatong.settings import get_settings

    migrations.upgrade()
    logins = ""
    if get_settings().profile != "prod":
        with db.sessionmaker_for(database_name())() as session:
            demo.ensure_demo_users(session)
        keys = f"USB Key 私钥在 {demo.keys_dir()}，`ykt api login <用户名>` 取令牌"
        logins = f"；演示登录 {demo.logins_text()}（{keys}）"
    served = process.serve()
    state = "已启动" if served.started else "已在运行"
    return f"API {served.url}/api/docs {state}（{served.workers} 个进程）{logins}"


@audit_app.command("verify")
def verify() -> None:
    """逐条校验审计链，报告被篡改、插入或删除的记录；有问题时退出码为 1。"""
    import sqlalchemy as sa

    from services.audit.service import verify_sync
    from services.base.db import database_name
    from yikatong import db

    try:
        with db.engine(database_name()).connect() as conn:
            report = verify_sync(conn.execution_options(isolation_level="REPEATABLE READ"))
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, db.DatabaseError) as exc:
        console.print(f"[red]无法读取审计日志 / cannot read the audit log: {exc}[/red]")
        raise typer.Exit(2) from None
    for issue in report.issues:
        console.print(f"[red]✘ {issue.kind}[/red] {issue.message}")
    if not report.ok:
        console.print(f"[red]审计链校验失败：{len(report.issues)} 个问题，共 {report.rows} 条记录[/red]")
        raise typer.Exit(1)
    console.print(f"[green]审计链完整[/green]：{report.rows} 条记录")


if __name__ == "__main__":
    sys.exit(app())
