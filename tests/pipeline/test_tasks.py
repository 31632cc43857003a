"""The task entry points: `conform` runs several datasets in one session and fails if any failed."""

from __future__ import annotations

from datetime import date

from pipeline import conform, tasks
from spark_jobs.common import RunResult


def test_conform_groups_datasets_and_reports_failures(monkeypatch, capsys) -> None:
    seen = []

    def fake(datasets, ds, spark=None):
        seen.append((datasets, ds))
        return [conform.Conformed("benefit_payment", None, "ContractViolation: 太多"),
                conform.Conformed("directory", RunResult("directory", ds, 613, 613, 0, 1.0))]  # fmt: skip

    monkeypatch.setattr(conform, "conform", fake)
    code = tasks.main(["conform", "--dataset", "benefit_payment, directory", "--ds", "2026-11-27"])
    assert seen == [(["benefit_payment", "directory"], date(2026, 11, 27))]
    err = capsys.readouterr().err
    assert code == 1 and "silver.benefit_payment 2026-11-27: 失败" in err and "接受 613 行" in err


def test_commands_take_a_logical_date() -> None:
    for command in ("reconcile", "monitor", "load"):
        args = tasks.parser().parse_args([command, "--ds", "2026-11-27"])
        assert args.ds == date(2026, 11, 27) and args.command in tasks.COMMANDS


def test_a_failing_task_exits_one_with_its_reason_flushed(tmp_path) -> None:
    """As Airflow runs it: a subprocess whose exit skips finalisation but keeps the exit code and output."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "YKT_HOME": str(tmp_path),
        "YKT_DATABASE_URL": "postgresql://u:p@127.0.0.1:1/postgres",
    }
    proc = subprocess.run([sys.executable, "-m", "pipeline.tasks", "reconcile", "--ds", "2026-11-27"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 1
    assert "任务失败 / task failed" in proc.stderr and "127.0.0.1" in proc.stderr
