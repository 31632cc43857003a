"""dbt 文档站点 as a background service for `make run`: publish, serve once, find again, stop.

`publish()` copies the three files of `dbt docs generate` (index.html, manifest.json, catalog.json)
into `<home>/dbt/docs`, so the server exposes the documentation and nothing else of dbt's target
folder. `serve()` starts Python's static file server on 127.0.0.1:`YKT_DBT_DOCS_PORT` (8081) in
its own session, so it outlives the command that started it; `<home>/dbt/docs.pid` holds its pid
and port, `<home>/dbt/docs.log` its output. `stop()` ends it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pipeline import transform
from yikatong.settings import get_settings

SITE_FILES = ("index.html", "manifest.json", "catalog.json")
HOST = "127.0.0.1"


class DocsServerError(RuntimeError):
    """The documentation site could not be published or served (Chinese and English)."""


@dataclass(frozen=True)
class Served:
    url: str
    started: bool
    folder: Path


def site_dir() -> Path:
    return transform.dbt_home() / "docs"


def _pid_file() -> Path:
    return transform.dbt_home() / "docs.pid"


def url() -> str:
    return f"http://{HOST}:{get_settings().dbt_docs_port}"


def publish(target: Path | None = None) -> Path:
    """Copy the generated site from dbt's target folder into the served folder."""
    target = target or transform.target_dir()
    missing = [name for name in SITE_FILES if not (target / name).exists()]
    if missing:
        raise DocsServerError(
            f"dbt 文档未生成（缺少 {', '.join(missing)}），请先运行 `ykt dbt docs` / docs not generated"
        )
    folder = site_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        shutil.copy2(target / name, folder / name)
    return folder


def running_pid() -> int | None:
    """The server's pid when it is alive and is our static server."""
    try:
        pid = int(_pid_file().read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"http.server" in cmdline else None


def ready(timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(f"{url()}/index.html", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def serve(*, wait: float = 20) -> Served:
    """Serve the published site in the background unless it already runs; wait until it answers."""
    folder = site_dir()
    if running_pid() is not None and ready():
        return Served(url(), False, folder)
    port = get_settings().dbt_docs_port
    if _port_taken(port):
        raise DocsServerError(f"端口 {port} 已被占用 / port {port} is in use (set YKT_DBT_DOCS_PORT)")
    if not (folder / "index.html").exists():
        raise DocsServerError("dbt 文档未发布，请先运行 `ykt dbt docs` / docs not published")
    log_path = transform.dbt_home() / "docs.log"
    with log_path.open("a", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", HOST, "--directory", str(folder)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _pid_file().write_text(f"{proc.pid}\n{port}\n")
    deadline = time.monotonic() + wait
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop()
            tail = log_path.read_text(errors="replace")[-1500:]
            raise DocsServerError(f"dbt 文档服务未能启动 / did not start; log {log_path}:\n{tail}")
        time.sleep(0.2)
    return Served(url(), True, folder)


def stop(wait: float = 10) -> bool:
    """Stop the server `serve()` started; False when none was running."""
    pid = running_pid()
    _pid_file().unlink(missing_ok=True)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    return True


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False
