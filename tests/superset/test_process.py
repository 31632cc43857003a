"""Superset's background process glue (superset_assets.process over yikatong.background): a real
gunicorn from `.venv-superset` (serving a two-line WSGI app, not Superset itself, which the
session fixture serves) is found again with its port, answers `/health`, and stops with its workers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from superset_assets import config, process
from yikatong.background import alive
from yikatong.settings import get_settings

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"OK"]
"""


@pytest.fixture
def home(tmp_path):
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "home", tmp_path)
    yield tmp_path
    process.stop()
    patch.undo()


@pytest.mark.skipif(not (config.SUPERSET_VENV / "bin" / "gunicorn").exists(), reason="no .venv-superset")
def test_gunicorn_is_found_again_and_stopped_with_its_workers(home):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (home / "tiny_wsgi.py").write_text(APP, encoding="utf-8")
    command = [
        str(config.SUPERSET_VENV / "bin" / "gunicorn"),
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        f"--chdir={home}",
        "tiny_wsgi:app",
    ]
    proc = process.SUPERSET.start(command, port=port, cwd=home)
    process.SUPERSET.wait(proc, lambda: process.healthy(port), timeout=60, error=process.SupersetServeError)
    assert process.running() == (proc.pid, port)
    assert process.serve(port).started is False, "a second serve finds the running one"
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text()
    workers = [int(p) for p in children.split()]
    assert len(workers) == 2
    assert process.stop() is True
    assert process.running() is None and not process.healthy(port, timeout=1)
    assert not alive(proc.pid) and not any(alive(w) for w in workers)
    assert process.stop() is False
