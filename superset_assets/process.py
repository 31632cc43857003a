"""Superset as a background service (gunicorn in `.venv-superset`): start once, find it again, stop it.

`<home>/superset/superset.pid` holds gunicorn's master pid and port, `superset.log` its output. The
master leads its own process group, so stopping it stops its workers; it outlives `ykt run`
(mechanics: :mod:`yikatong.background`).
"""

from __future__ import annotations

from dataclasses import dataclass

from superset_assets import config
from yikatong.background import Background, http_ok, port_open
from yikatong.settings import get_settings

HOST = "127.0.0.1"


class SupersetServeError(RuntimeError):
    """Superset could not be served (message in Chinese)."""


@dataclass(frozen=True)
class Served:
    url: str
    started: bool


SUPERSET = Background(config.home, "superset", b"gunicorn")


def url_for(port: int) -> str:
    return f"http://{HOST}:{port}"


def running() -> tuple[int, int] | None:
    """(pid, port) of the Superset this home started, if it still runs."""
    found = SUPERSET.running()
    return (found.pid, found.port) if found and found.port is not None else None


def healthy(port: int, timeout: float = 3) -> bool:
    return http_ok(f"{url_for(port)}/health", timeout)


def serve(port: int | None = None, workers: int = 2, wait: float = 180) -> Served:
    """Start gunicorn unless this home's Superset already runs; wait for `/health`."""
    port = port or get_settings().superset_port
    current = running()
    if current and current[1] == port and healthy(port):
        return Served(url_for(port), False)
    if current:
        stop()
    if port_open(HOST, port):
        raise SupersetServeError(f"端口 {port} 已被占用：请设置 YKT_SUPERSET_PORT 或停止占用该端口的程序")
    command = [
        str(config.SUPERSET_VENV / "bin" / "gunicorn"),
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        "--threads=8",
        "--timeout=120",
        "--limit-request-line=0",
        "--limit-request-field_size=0",
        "superset.app:create_app()",
    ]
    proc = SUPERSET.start(command, port=port, cwd=config.home(), env=config.superset_env())
    SUPERSET.wait(
        proc,
        lambda: healthy(port),
        timeout=wait,
        interval=1,
        error=SupersetServeError,
        what="Superset 未能启动",
    )
    return Served(url_for(port), True)


def stop(wait: float = 20) -> bool:
    """Stop the Superset this home started; False if none ran."""
    return SUPERSET.stop(wait)
