"""`ykt catalog …`：目录同步、共享导出与交付、交换平台接收端（模拟）。

The Airflow DAG `share_exchange` calls `python -m services.catalog.cli export|deliver --ds <date>`.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="数据资源目录与数据共享", no_args_is_help=True)
DsOption = Annotated[str, typer.Option("--ds", help="业务日期 YYYY-MM-DD")]
DeptOption = Annotated[str | None, typer.Option("--department", help="只处理该部门（代码）")]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"业务日期格式应为 YYYY-MM-DD：{text}") from None


def _catalog_ready() -> bool:
    """Whether the catalog's tables exist (``ykt api migrate`` ran on the services' database)."""
    import sqlalchemy as sa

    from services.base.db import database_name
    from services.catalog.models import CatalogEntry
    from yikatong import db

    return sa.inspect(db.engine(database_name())).has_table(CatalogEntry.__tablename__)


@app.command("sync")
def sync_command() -> None:
    """从代码登记全部数据集与资源项（幂等）。"""
    from services.catalog import sync

    if not _catalog_ready():
        typer.echo("目录尚未建立（先运行 ykt api migrate），跳过同步")
        return
    result = asyncio.run(sync.run())
    counts = f"新增 {result.added}，更新 {result.updated}，未变 {result.unchanged}，共 {result.total}"
    typer.echo(f"目录同步完成：{counts}")


def _export(ds: date, department: str | None):
    from sqlalchemy.orm import Session

    from services.base.db import database_name
    from services.catalog import export
    from yikatong import db

    with Session(db.engine(database_name())) as session:
        return export.export_day(session, ds, department)


@app.command("export")
def export_command(ds: DsOption, department: DeptOption = None) -> None:
    """按授权导出该业务日期的共享文件与签名清单（重跑得到逐字节相同的文件）。"""
    results = _export(_day(ds), department)
    if not results:
        typer.echo(f"{ds} 没有有效授权，无需导出")
    for result in results:
        m = result.manifest
        typer.echo(f"{result.department}: {len(m['files'])} 个文件，{m['rows']} 行 → {result.folder}")


@app.command("deliver")
def deliver_command(ds: DsOption, department: DeptOption = None) -> None:
    """把该业务日期的导出交付到市共享交换平台（已交付的不再重发）。"""
    from services.catalog import deliver

    day = _day(ds)
    results = _export(day, department)
    try:
        outcomes = asyncio.run(deliver.deliver_all(results, day))
    except deliver.DeliveryRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for o in outcomes:
        typer.echo(f"{o.department}: {o.status} 回执 {(o.receipt or {}).get('receipt_id', '-')}")
    conflicts = [o.department for o in outcomes if o.status.startswith("冲突")]
    if conflicts:
        typer.echo(f"已交付后数据又有变化，未重发，请与交换平台核对：{'、'.join(conflicts)}", err=True)
        raise typer.Exit(1)


@app.command("receiver")
def receiver_command(
    port: Annotated[int | None, typer.Option(help="端口（默认 YKT_EXCHANGE_PORT，8092）")] = None,
    store: Annotated[Path | None, typer.Option(help="接收目录")] = None,
) -> None:
    """启动市共享交换平台接收端（模拟），登记本平台的签名公钥。"""
    import uvicorn

    from services.catalog import signing
    from simulators import exchange_receiver
    from yikatong.settings import get_settings

    port = port or get_settings().exchange_port
    _, public = signing.keypair()
    root = store or get_settings().home.resolve() / "exchange_received"
    typer.echo(f"交换平台接收端（模拟）：http://127.0.0.1:{port}/exchange/v1/deliveries → {root}")
    uvicorn.run(
        exchange_receiver.create_app(root, {"YKT": public}), host="127.0.0.1", port=port, log_level="warning"
    )


@app.command("receiver-stop")
def receiver_stop_command() -> None:
    """停止 `make run` 在后台启动的交换平台接收端（模拟）。"""
    from simulators.exchange_receiver import RECEIVER

    typer.echo("已停止交换平台接收端（模拟）" if RECEIVER.stop() else "交换平台接收端（模拟）未在后台运行")


def stage_sharing() -> str:
    """`make run` 阶段「数据共享」：接收端（模拟）、目录同步、演示授权；交付随流水线的 share_exchange。"""
    from services.base.db import forget_engines
    from services.catalog import demo, sync
    from simulators import exchange_receiver
    from yikatong.settings import get_settings

    settings = get_settings()
    demo_profile = settings.profile != "prod"
    if demo_profile:
        receiver = exchange_receiver.start_in_background()
    else:
        receiver = f"市共享交换平台 {settings.exchange_url}"

    async def prepare():  # one event loop: the async engine's connections belong to it
        forget_engines()  # engines an earlier stage made on another loop are not reused
        synced = await sync.run()
        return synced, (await demo.ensure_demo_grant() if demo_profile else "生产环境不建演示授权")

    result, granted = asyncio.run(prepare())
    return (
        f"{receiver}；目录 {result.total} 条（新增 {result.added}）；{granted}；"
        f"流水线的 share_exchange 按授权交付，回执 {settings.exchange_url}/exchange/v1/deliveries；"
        "停止接收端：ykt catalog receiver-stop"
    )


if __name__ == "__main__":
    app()
