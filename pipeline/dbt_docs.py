"""dbt 文档站点 as a background service for `make run`: publish, serve once, find again, stop.

`publish()` copies the three files of `dbt docs generate` (index.html, manifest.json, catalog.json)
into `<home>/dbt/docs`, so the server exposes the documentation and nothing else of dbt's target
folder. `serve()` starts Python's static file server on 127.0.0.1:`YKT_DBT_DOCS_PORT` (8081) in
its own session, so it outlives the command that started it; `<home>/dbt/docs.pid` holds its pid
and port, `<home>/dbt/docs.log` its output. `stop()` ends it (mechanics: :mod:`yikatong.background`).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline import transform
from yikatong.background import Background, http_ok, port_open
from yikatong.settings import get_settings

SITE_FILES = ("index.html", "manifest.json", "catalog.json")
HOST = "127.0.0.1"
DOCS = Background(transform.dbt_home, "docs", b"http.server")


class DocsServerError(RuntimeError):
    """The documentation site could not be published or served (Chinese and English)."""


@dataclass(frozen=True)
class Served:
    url: str
    started: bool
    folder: Path


def site_dir() -> Path:
    return transform.dbt_home() / "docs"


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
    return DOCS.running_pid()


def ready(timeout: float = 2) -> bool:
    return http_ok(f"{url()}/index.html", timeout)


def serve(*, wait: float = 20) -> Served:
    """Serve the published site in the background unless it already runs; wait until it answers."""
    folder = site_dir()
    if running_pid() is not None and ready():
        return Served(url(), False, folder)
    port = get_settings().dbt_docs_port
    if port_open(HOST, port):
        raise DocsServerError(f"端口 {port} 已被占用 / port {port} is in use (set YKT_DBT_DOCS_PORT)")
    if not (folder / "index.html").exists():
        raise DocsServerError("dbt 文档未发布，请先运行 `ykt dbt docs` / docs not published")
    command = [sys.executable, "-m", "http.server", str(port), "--bind", HOST, "--directory", str(folder)]
    proc = DOCS.start(command, port=port)
    DOCS.wait(
        proc,
        ready,
        timeout=wait,
        interval=0.2,
        error=DocsServerError,
        what="dbt 文档服务未能启动 / did not start",
    )
    return Served(url(), True, folder)


def stop(wait: float = 10) -> bool:
    """Stop the server `serve()` started; False when none was running."""
    return DOCS.stop(wait)
