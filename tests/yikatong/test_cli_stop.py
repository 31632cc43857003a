"""`ykt stop` (`make stop`): every background service of `make run` is stopped, the others named."""

from __future__ import annotations

import sys

from typer.testing import CliRunner

from simulators.kiosk_process import FLEET
from yikatong.background import alive
from yikatong.cli import app
from yikatong.settings import get_settings

# a stand-in process whose command line carries the fleet's marker (its module name)
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)", "simulators.kiosk_fleet"]


def test_stop_stops_what_runs_and_names_what_does_not(tmp_path, monkeypatch):
    monkeypatch.setattr(get_settings(), "home", tmp_path)  # nothing of the test session's own home
    fleet = FLEET.process.start(SLEEPER)
    assert FLEET.running_pid() == fleet.pid
    result = CliRunner().invoke(app, ["stop"])
    assert result.exit_code == 0, result.output
    assert "已停止 终端模拟" in result.output and not alive(fleet.pid)
    for name in ("Superset", "Airflow", "API 服务", "省卡管模拟", "数据库"):
        assert f"{name} 未在运行" in result.output
    again = CliRunner().invoke(app, ["stop"])
    assert "终端模拟 未在运行" in again.output
