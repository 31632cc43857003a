"""`ykt api …` and `make run`'s API stage as a user runs them: real processes, uvicorn workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
YKT = str(Path(sys.executable).with_name("ykt"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=300, check=False)


def test_migrate_demo_users_serve_login_stop(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "YKT_OPS_DATABASE": f"ops_test_cli{os.environ.get('PYTEST_XDIST_WORKER', '')}",
        "YKT_API_PORT": str(port),
        "YKT_API_WORKERS": "2",
    }
    assert run(YKT, "api", "migrate", env=env).returncode == 0
    again = run(YKT, "api", "migrate", env=env)
    from services.migrations import head_revisions

    printed = again.stdout.replace("\n", "")
    assert again.returncode == 0 and all(head in printed for head in head_revisions())
    stage = run(sys.executable, "-c", "from services.cli import stage_api; print(stage_api())", env=env)
    try:
        assert stage.returncode == 0, stage.stderr
        assert (
            f"http://127.0.0.1:{port}/api/docs" in stage.stdout and "sysadmin / Ykt@Sys2026!" in stage.stdout
        )
        token = run(YKT, "api", "login", "sysadmin", env=env)
        assert token.returncode == 0, token.stdout
        response = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/admin/devices",
            headers={"Authorization": f"Bearer {token.stdout.strip()}"},
        )
        assert response.status_code == 200 and response.json()["total"] >= 0
        wrong = run(YKT, "api", "login", "sysadmin", "--password", "Not-The-Password-1", env=env)
        assert wrong.returncode == 1 and "登录失败" in wrong.stdout
        assert run(YKT, "audit", "verify", env=env).returncode == 0
    finally:
        stopped = run(YKT, "api", "stop", env=env)
    assert "已停止" in stopped.stdout
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
