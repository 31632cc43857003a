"""The sharing as the DAG runs it: the task commands (`python -m services.catalog.cli export|deliver`)
against a live exchange receiver over real HTTP; and the DAG file under Airflow's own parser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from pipeline import airflow_env, orchestrate
from tests.catalog.conftest import DS, grant
from tests.services.helpers import TEST_DB, sql
from yikatong import db

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cli_env(catalog_home) -> dict[str, str]:
    port = _free_port()
    return {
        **os.environ,
        "YKT_HOME": str(catalog_home),
        "YKT_OPS_DATABASE": TEST_DB,
        "YKT_PROFILE": "test",
        "YKT_DATABASE_URL": db.dsn("postgres"),
        "YKT_EXCHANGE_URL": f"http://127.0.0.1:{port}",
        "RECEIVER_PORT": str(port),
    }


@pytest.fixture
def live_receiver(cli_env, tmp_path):
    ykt = str(Path(sys.executable).with_name("ykt"))
    cmd = [ykt, "catalog", "receiver", "--port", cli_env["RECEIVER_PORT"], "--store", str(tmp_path / "got")]
    proc = subprocess.Popen(cmd, env=cli_env, start_new_session=True, stdout=subprocess.DEVNULL)
    url = cli_env["YKT_EXCHANGE_URL"]
    for _ in range(120):
        try:
            httpx.get(f"{url}/exchange/v1/deliveries", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.25)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def _task(step: str, env: dict) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "services.catalog.cli", step, "--ds", DS.isoformat()]
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.asyncio(loop_scope="session")
async def test_the_dag_task_command_exports_and_delivers_once(
    client, synced, steward, analyst, cli_env, live_receiver
):
    await grant(client, steward, analyst, "gold.resident_contact", ["name", "phone", "region_code"])
    first = _task("deliver", cli_env)
    assert first.returncode == 0 and "WJW: 已交付 回执 RC20261127" in first.stdout, first.stderr
    folder = Path(cli_env["YKT_HOME"]) / "share" / "WJW" / DS.isoformat()
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2 and names[0].startswith("gold__resident_contact__g")
    assert names[1] == "manifest.json"
    second = _task("deliver", cli_env)
    assert second.returncode == 0 and "WJW: 已交付过（跳过）" in second.stdout, second.stderr
    receipts = httpx.get(f"{live_receiver}/exchange/v1/deliveries").json()
    assert [(r["department"], r["rows"]) for r in receipts] == [("WJW", 3)]
    assert sql("select count(*) from catalog_delivery")[0][0] == 1


def test_a_bad_date_is_refused_clearly(cli_env):
    cmd = [sys.executable, "-m", "services.catalog.cli", "export", "--ds", "2026-13-01"]
    done = subprocess.run(
        cmd, env=cli_env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr


@pytest.mark.airflow
@pytest.mark.skipif(not airflow_env.AIRFLOW_PYTHON.exists(), reason="no .venv-airflow (make setup)")
def test_the_dag_parses_and_follows_the_house_rules(tmp_path):
    shutil.copy(REPO / "dags" / "share_exchange.py", tmp_path / "share_exchange.py")
    bag = orchestrate.inspect_dags(tmp_path)
    assert bag["import_errors"] == {}
    dag = bag["dags"]["share_exchange"]
    assert dag["schedule_assets"] == ["analytics.raw"] and dag["catchup"] is False
    assert sorted(dag["tags"]) == ["exchange", "sharing"] and "不予开放" in dag["doc_md"]
    assert dag["tasks"]["deliver"]["upstream"] == ["export"]
    assert dag["tasks"]["deliver"]["outlets"] == ["exchange.share"]
    for task in dag["tasks"].values():
        assert (
            task["retries"] >= 2
            and task["execution_timeout"]
            and task["operator"] == "_BashDecoratedOperator"
        )
        assert 0 < task["retry_delay"] <= timedelta(minutes=1).total_seconds()
    heavy = {"yikatong", "services", "pyarrow", "deltalake", "psycopg"}
    assert not heavy & set(bag["imported"])
