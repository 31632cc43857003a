"""The API as a background service for `make run`: start once, find it again, stop it.

`<home>/api/api.pid` holds the uvicorn master's pid and port; `<home>/api/api.log` its output.
The master is its own process-group leader, so stopping it stops its workers too
(the mechanics are :mod:`yikatong.background`'s).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from yikatong.background import Background, http_ok, port_open
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


API = Background(api_dir, "api", b"services.cli")


def base_url() -> str:
    s = get_settings()
    return f"http://{s.api_host}:{s.api_port}"


def running_pid() -> int | None:
    return API.running_pid()


def ready(url: str | None = None, timeout: float = 2) -> bool:
    return http_ok(f"{url or base_url()}/api/v1/ready", timeout)


def serve(*, wait: float = 90) -> Served:
    """Start `python -m services.cli serve` in the background unless it already runs; wait until ready."""
    s = get_settings()
    if running_pid() is not None and ready():
        return Served(base_url(), False, s.api_workers)
    if port_open(s.api_host, s.api_port):
        raise ApiProcessError(f"端口 {s.api_port} 已被占用 / port {s.api_port} is in use (set YKT_API_PORT)")
    proc = API.start([sys.executable, "-m", "services.cli", "serve"], port=s.api_port, cwd=REPO_ROOT)
    API.wait(proc, ready, timeout=wait, error=ApiProcessError, what="API 未能启动 / did not become ready")
    return Served(base_url(), True, s.api_workers)


def stop(wait: float = 15) -> bool:
    return API.stop(wait)
