"""Superset as a background service (gunicorn in `.venv-superset`): start once, find it again, stop it.

`<home>/superset/superset.pid` holds gunicorn's master pid and port, `superset.log` its output. The
master leads its own process group, so stopping it stops its workers; it outlives `ykt run`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from superset_assets import config
from yikatong.settings import get_settings

HOST = "127.0.0.1"


class SupersetServeError(RuntimeError):
    """Superset could not be served (message in Chinese)."""


@dataclass(frozen=True)
class Served:
    url: str
    started: bool


def _pid_file() -> Path:
    return config.home() / "superset.pid"


def _log_file() -> Path:
    return config.home() / "superset.log"


def url_for(port: int) -> str:
    return f"http://{HOST}:{port}"


def running() -> tuple[int, int] | None:
    """(pid, port) of the Superset this home started, if it still runs."""
    try:
        pid_text, port_text = _pid_file().read_text().split()[:2]
        pid, port = int(pid_text), int(port_text)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return (pid, port) if b"gunicorn" in cmdline else None


def healthy(port: int, timeout: float = 3) -> bool:
    try:
        with urllib.request.urlopen(f"{url_for(port)}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((HOST, port)) == 0


def serve(port: int | None = None, workers: int = 2, wait: float = 180) -> Served:
    """Start gunicorn unless this home's Superset already runs; wait for `/health`."""
    port = port or get_settings().superset_port
    current = running()
    if current and current[1] == port and healthy(port):
        return Served(url_for(port), False)
    if current:
        stop()
    if _port_taken(port):
        raise SupersetServeError(f"端口 {port} 已被占用：请设置 YKT_SUPERSET_PORT 或停止占用该端口的程序")
    log = _log_file().open("a", encoding="utf-8")
    proc = subprocess.Popen(
        [
            str(config.SUPERSET_VENV / "bin" / "gunicorn"),
            f"--bind={HOST}:{port}",
            f"--workers={workers}",
            "--worker-class=gthread",
            "--threads=8",
            "--timeout=120",
            "--limit-request-line=0",
            "--limit-request-field_size=0",
            "superset.app:create_app()",
        ],
        cwd=config.home(),
        env=config.superset_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    _pid_file().write_text(f"{proc.pid}\n{port}\n")
    deadline = time.monotonic() + wait
    while not healthy(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop()
            tail = _log_file().read_text(errors="replace")[-2000:]
            raise SupersetServeError(f"Superset 未能启动，日志 {_log_file()}：\n{tail}")
        time.sleep(1)
    return Served(url_for(port), True)


def stop(wait: float = 20) -> bool:
    """Stop the Superset this home started; False if none ran."""
    current = running()
    _pid_file().unlink(missing_ok=True)
    if current is None:
        return False
    pid = current[0]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
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
