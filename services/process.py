"""The API as a background service for `make run`: start once, find it again, stop it.

`<home>/api/api.pid` holds the uvicorn master's pid and port; `<home>/api/api.log` its output.
The master is its own process-group leader, so stopping it stops its workers too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from yikatong.settings import REPO_ROOT, get_settings


class ApiProcessError(RuntimeError):
    """The API could not be started (message in Chinese and English)."""


@dataclass(frozen=True)
class Served:
    url: str
    started: bool
    workers: int


def api_dir() -> Path:
    path = get_settings().home / "api"
    path.mkdir(parents=True, exist_ok=True)
    return path


def base_url() -> str:
    s = get_settings()
    return f"http://{s.api_host}:{s.api_port}"


def running_pid() -> int | None:
    try:
        pid = int((api_dir() / "api.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"services.cli" in cmdline else None


def ready(url: str | None = None, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(f"{url or base_url()}/api/v1/ready", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def serve(*, wait: float = 90) -> Served:
    """Start `python -m services.cli serve` in the background unless it already runs; wait until ready."""
    s = get_settings()
    if running_pid() is not None and ready():
        return Served(base_url(), False, s.api_workers)
    if _port_taken(s.api_host, s.api_port):
        raise ApiProcessError(f"端口 {s.api_port} 已被占用 / port {s.api_port} is in use (set YKT_API_PORT)")
    log = (api_dir() / "api.log").open("a", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve"],
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    (api_dir() / "api.pid").write_text(f"{proc.pid}\n{s.api_port}\n")
    deadline = time.monotonic() + wait
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop()
            tail = (api_dir() / "api.log").read_text(errors="replace")[-2000:]
            raise ApiProcessError(
                f"API 未能启动 / did not become ready; log {api_dir() / 'api.log'}:\n{tail}"
            )
        time.sleep(0.5)
    return Served(base_url(), True, s.api_workers)


def stop(wait: float = 15) -> bool:
    pid = running_pid()
    (api_dir() / "api.pid").unlink(missing_ok=True)
    if pid is None:
        return False
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
