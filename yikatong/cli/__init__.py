"""The `ykt` command line: one typer app; each subsystem contributes its commands by module name.

The core (`yikatong`) imports nothing of the other packages at import time: command groups living
in `simulators`, `services`, … are registered from `PLUGINS` by name, and each keeps its heavy imports
inside its commands so `ykt --help` stays fast.
"""

from __future__ import annotations

import importlib

import typer

from yikatong.cli import db, doctor, ids, run

app = typer.Typer(help="乐山市居民服务一卡通平台 命令行 / Leshan one-card platform CLI", no_args_is_help=True)
app.add_typer(db.app, name="db", help="数据库：地址、状态、停止")
app.add_typer(ids.app, name="id", help="证件号码校验")
app.command("doctor", help="检查运行环境：Java、端口、虚拟环境、数据库")(doctor.doctor)
app.command("run", help="一键运行平台（make run）")(run.run)
app.command("status", help="平台各服务地址与状态")(run.status)
app.command("stop", help="停止 make run 启动的全部后台服务（数据保留）")(run.stop)

# (module, attribute, command name): command groups owned by other packages.
PLUGINS: tuple[tuple[str, str, str], ...] = (
    ("simulators.cli", "simulate", "simulate"),
    ("pipeline.cli", "app", "pipeline"),
    ("pipeline.dbt_cli", "app", "dbt"),
    ("services.cli", "app", "api"),
    ("services.cli", "audit_app", "audit"),
    ("services.catalog.cli", "app", "catalog"),
    ("services.precision.cli", "app", "strategy"),
    ("superset_assets.cli", "app", "superset"),
)


def _register_plugins() -> None:
    for module, attr, name in PLUGINS:
        target = getattr(importlib.import_module(module), attr)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)


_register_plugins()
