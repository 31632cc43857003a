"""`ykt doctor`: is this machine ready to run the platform?"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess

import typer
from rich.console import Console
from rich.table import Table

from yikatong.settings import REPO_ROOT, get_settings

console = Console()
MIN_JAVA = 17


def java_version() -> int | None:
    """The major version of `java` on PATH, None when missing."""
    if not shutil.which("java"):
        return None
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else None


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return sock.connect_ex((host, port)) != 0


def _checks() -> list[tuple[str, bool, str]]:
    s = get_settings()
    java = java_version()
    rows = [("Java ≥ 17 (Spark)", bool(java and java >= MIN_JAVA), f"java {java}" if java else "未找到 java")]
    for venv, exe in ((".venv", "ykt"), (".venv-airflow", "airflow"), (".venv-superset", "superset")):
        path = REPO_ROOT / venv / "bin" / exe
        rows.append(
            (f"虚拟环境 {venv}", path.exists(), str(path) if path.exists() else "缺失：运行 make setup")
        )
    for label, port in (("API", s.api_port), ("Airflow", s.airflow_port), ("Superset", s.superset_port),
                        ("dbt docs", s.dbt_docs_port)):  # fmt: skip
        free = port_free(s.api_host, port)
        rows.append(
            (f"端口 {port} ({label})", True, "空闲" if free else "已占用（平台运行中或被其他程序占用）")
        )
    rows.append(_database_check())
    return rows


def _database_check() -> tuple[str, bool, str]:
    from yikatong import db

    try:
        info = db.status()
    except db.DatabaseError as exc:
        return ("PostgreSQL", False, str(exc))
    if info.get("running"):
        return ("PostgreSQL", True, f"{info['mode']} {info.get('version', '')}")
    detail = info.get("error") or "未运行（ykt db start 或 make run 会启动）"
    return ("PostgreSQL", info["mode"] == "embedded", str(detail))


def doctor() -> None:
    """检查 Java、虚拟环境、端口与数据库；有问题时退出码 1。"""
    table = Table("检查项", "结果", "说明")
    rows = _checks()
    for name, ok, detail in rows:
        table.add_row(name, "[green]通过[/green]" if ok else "[red]失败[/red]", detail)
    console.print(table)
    raise typer.Exit(0 if all(ok for _, ok, _ in rows) else 1)
