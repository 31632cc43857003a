"""The `ykt` command line as a user runs it (a real subprocess)."""

import os
import subprocess
import sys
from pathlib import Path

YKT = str(Path(sys.executable).with_name("ykt"))


def ykt(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([YKT, *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=120, check=False)  # fmt: skip


def test_id_check_valid_and_invalid():
    ok = ykt("id", "check", "11010519491231002X", "440524188001010014")
    assert ok.returncode == 0 and ok.stdout.count("有效") == 2
    bad = ykt("id", "check", "11010519491231002X", "110105194912310021")
    assert bad.returncode == 1
    assert "校验码错误" in bad.stdout and "有效" in bad.stdout


def test_simulate_nonsense_scale_is_refused(tmp_path):
    result = ykt("simulate", "--scale", "nonsense", env={"YKT_HOME": str(tmp_path)})
    assert result.returncode != 0
    assert "未知规模" in result.stdout + result.stderr
    assert not any(tmp_path.iterdir()), "nothing may be half-created"


def test_malformed_database_url_is_a_clear_error(tmp_path):
    result = ykt("db", "start", env={"YKT_DATABASE_URL": "mysql://nope", "YKT_HOME": str(tmp_path)})
    assert result.returncode == 2 and "PostgreSQL" in result.stdout


def test_unreachable_database_url_is_a_clear_error(tmp_path):
    env = {"YKT_DATABASE_URL": "postgresql://u:p@127.0.0.1:1/postgres", "YKT_HOME": str(tmp_path)}
    result = ykt("db", "start", env=env)
    assert result.returncode == 2 and "无法连接" in result.stdout


def test_doctor_reports_missing_java(tmp_path):
    result = ykt("doctor", env={"PATH": "/nonexistent", "YKT_HOME": str(tmp_path)})
    assert result.returncode == 1
    assert "未找到 java" in result.stdout
