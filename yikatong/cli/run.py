"""`ykt run` (what `make run` does) and `ykt status`.

Stages run in order and each prints its line only after it has really run; stages that later
issues add (pipeline, API, Airflow, Superset) append themselves to `STAGES`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import typer
from rich.console import Console

from yikatong.settings import get_settings

console = Console(soft_wrap=True)


def stage_database() -> str:
    from yikatong import db

    created = db.ensure_databases()
    url = db.server_url().render_as_string(hide_password=True)
    return f"PostgreSQL {url}；数据库 {', '.join(db.ALL_DATABASES)}" + (
        f"（新建 {len(created)} 个）" if created else ""
    )


def stage_sources() -> str:
    from simulators.world import ensure_simulated

    s = get_settings()
    result = ensure_simulated(s.scale, s.seed, s.dirt_rate)
    verb = "沿用已有数据（同规模同种子）" if result.reused else "已生成"
    return f"上游模拟数据（{s.scale}）{verb}：{result.summary()}；fingerprint {result.fingerprint[:16]}…"


def stage_pipeline() -> str:
    from pipeline.cli import stage_pipeline as daily_run

    return daily_run()


def stage_airflow() -> str:
    from pipeline.cli import stage_airflow as serve_airflow

    return serve_airflow()


def stage_api() -> str:
    from services.cli import stage_api as start_api

    return start_api()


def stage_superset() -> str:
    from superset_assets.loader import stage_superset as load_and_serve

    return load_and_serve()


def stage_dbt_docs() -> str:
    from pipeline.dbt_cli import stage_docs

    return stage_docs()


def stage_fleet() -> str:
    from simulators.kiosk_process import stage_fleet as start_fleet

    return start_fleet()


def stage_channels() -> str:
    from services.channels.demo import stage_channels as prepare_channels

    return prepare_channels()


def stage_access_history() -> str:
    from simulators.access_history import stage_history

    return stage_history()


def stage_sharing() -> str:
    from services.catalog.cli import stage_sharing as prepare_sharing

    return prepare_sharing()


STAGES: list[tuple[str, Callable[[], str]]] = [
    ("数据库", stage_database),
    ("上游系统模拟", stage_sources),
    ("API 服务", stage_api),  # before the pipeline: it migrates `ops`, which the pipeline extracts
    ("终端模拟", stage_fleet),
    ("渠道演示", stage_channels),  # demo channel, resident and 业务经办: apply in H5, staff approve
    ("渠道访问历史", stage_access_history),  # past days of ops.access_log, before the pipeline
    ("数据共享", stage_sharing),  # the exchange receiver (simulator) up before share_exchange runs
    ("数据流水线", stage_pipeline),
    ("Airflow", stage_airflow),
    ("dbt 文档", stage_dbt_docs),
    ("Superset", stage_superset),
]


def run() -> None:
    """依次运行平台各阶段并打印结果。"""
    s = get_settings()
    console.rule(f"乐山市居民服务一卡通平台 · profile={s.profile} · home={s.home}")
    for name, stage in STAGES:
        started = time.perf_counter()
        with console.status(f"{name}…"):
            try:
                detail = stage()
            except Exception as exc:  # a stage failure ends the run with its reason
                console.print(f"[red]✘ {name}[/red] {exc}")
                raise typer.Exit(1) from exc
        console.print(f"[green]✔ {name}[/green]（{time.perf_counter() - started:.1f}s）{detail}")
    status()


def _stops() -> list[tuple[str, Callable[[], object]]]:
    """Every background service `make run` starts, in the reverse of their start order."""
    from pipeline import airflow_env, dbt_docs
    from services import process as api
    from simulators.channel_push import PUSH
    from simulators.exchange_receiver import RECEIVER
    from simulators.kiosk_process import CARD_SYSTEM, FLEET
    from superset_assets import process as superset
    from yikatong import db

    return [
        ("Superset", superset.stop),
        ("dbt 文档", dbt_docs.stop),
        ("Airflow", airflow_env.stop),
        ("交换平台接收端（模拟）", RECEIVER.stop),
        ("渠道消息接收端（模拟）", PUSH.stop),
        ("终端模拟", FLEET.stop),
        ("省卡管模拟", CARD_SYSTEM.stop),
        ("API 服务", api.stop),
        ("数据库", db.stop),
    ]


def stop() -> None:
    """停止 `make run` 在后台启动的全部服务（数据保留，再次 `make run` 沿用）。"""
    for name, stop_one in _stops():
        stopped = stop_one()
        console.print(f"[green]✔ 已停止 {name}[/green]" if stopped else f"  {name} 未在运行")


def status() -> None:
    """打印平台的数据位置与服务地址。"""
    from yikatong import db

    s = get_settings()
    info = db.status()
    console.print(
        f"数据库：{info.get('mode')}，{'运行中' if info.get('running') else '未运行'}（{s.pg_dir}）"
    )
    console.print(f"上游模拟数据文件：{s.sources_dir}")
    console.print(f"数据湖：{s.lake_root}")
    console.print("连接串：ykt db url <库名>；停止数据库：ykt db stop")
    console.print(f"dbt 文档：http://127.0.0.1:{s.dbt_docs_port}（ykt dbt docs / docs-stop）")
    console.print(f"交换平台接收端：{s.exchange_url}/exchange/v1/deliveries（ykt catalog receiver-stop）")
