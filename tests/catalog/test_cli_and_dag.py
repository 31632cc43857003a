"""The sharing as the DAG runs it: the task commands (`python -m services.catalog.cli export|deliver`)
against a live exchange receiver over real HTTP; and the DAG file under Airflow's own parser."""

from __future__ import annotations

import base64
import csv
import io
import json
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
from services.catalog import manifest as manifests
from services.catalog import signing
from tests.catalog.conftest import DS, IDS, grant
from tests.services.helpers import TEST_DB, sql
from yikatong import db
from yikatong.crypto import sm2_verify, sm3_hex

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
        "RECEIVER_STORE": str(catalog_home / f"received-{port}"),
    }


@pytest.fixture
def live_receiver(cli_env):
    ykt = str(Path(sys.executable).with_name("ykt"))
    cmd = [
        ykt,
        "catalog",
        "receiver",
        "--port",
        cli_env["RECEIVER_PORT"],
        "--store",
        cli_env["RECEIVER_STORE"],
    ]
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


@pytest.mark.asyncio(loop_scope="session")
async def test_a_steward_journey_ends_in_a_verified_delivery(
    client, synced, steward, analyst, cli_env, live_receiver
):
    """The issue's "done when", as a new user would: find a dataset, open it, approve a request
    (narrowed), then the DAG's tasks (sync → export → deliver) deliver exactly the granted columns,
    masked, signed; the exchange verified them and its receipt is on record."""
    api, headers = "/api/v1/admin/catalog", steward.headers
    found = (await client.get(f"{api}/entries", headers=headers, params={"q": "resident_con"})).json()
    [entry] = [e for e in found["items"] if e["key"] == "gold.resident_contact"]
    assert entry["openness"] == "不予开放"  # plaintext personal data: closed until a steward decides
    opened = await client.patch(
        f"{api}/entries/{entry['id']}", headers=headers, json={"openness": "有条件开放"}
    )
    assert opened.status_code == 200 and opened.json()["openness"] == "有条件开放"
    body = {
        "entry_id": entry["id"],
        "department": "WJW",
        "columns": ["name", "phone", "id_number", "region_code"],
        "valid_until": (DS + timedelta(days=30)).isoformat(),
        "purpose": "家庭医生签约核对",
    }
    asked = await client.post(f"{api}/requests", headers=analyst.headers, json=body)
    assert asked.status_code == 201 and asked.json()["status"] == "待审批", asked.text
    decision = {"approve": True, "reason": "同意，不含身份证号", "columns": ["name", "phone", "region_code"]}
    approved = await client.post(
        f"{api}/requests/{asked.json()['id']}/decision", headers=headers, json=decision
    )
    assert approved.status_code == 200 and approved.json()["grant_id"], approved.text

    for step in ("sync", "export", "deliver"):  # what the share_exchange DAG's tasks run, in order
        args = [] if step == "sync" else ["--ds", DS.isoformat()]
        cmd = [sys.executable, "-m", "services.catalog.cli", step, *args]
        done = subprocess.run(
            cmd, env=cli_env, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    assert "WJW: 已交付 回执 RC" in done.stdout

    [receipt] = httpx.get(f"{live_receiver}/exchange/v1/deliveries").json()
    assert (receipt["department"], receipt["rows"], receipt["status"]) == ("WJW", 3, "已接收")
    received = Path(cli_env["RECEIVER_STORE"]) / "WJW" / DS.isoformat()
    manifest = json.loads((received / "manifest.json").read_bytes())
    [item] = manifest["files"]
    data = (received / item["file"]).read_bytes()
    lines = data.decode("utf-8").splitlines()
    assert item["columns"] == ["name", "phone", "region_code"] and lines[0] == '"name","phone","region_code"'
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    assert sorted(r[0] for r in rows) == sorted(["张*", "欧阳**", "李*"])
    assert "138****8000" in {r[1] for r in rows} and b"13800138000" not in data
    assert not any(i.encode() in data for i in IDS) and b"id_number" not in data
    signature = base64.b64decode(manifest.pop("signature"))
    assert manifest["public_key"] == signing.keypair()[1]
    assert sm2_verify(manifest["public_key"], manifests.canonical(manifest), signature)
    assert sm3_hex(data) == item["sm3"]
    recorded = sql("select manifest_sm3 from catalog_delivery where department = 'WJW'")
    assert recorded == [(receipt["manifest_sm3"],)]


@pytest.mark.asyncio(loop_scope="session")
async def test_make_run_serves_the_receiver_and_grants_the_demo_department(client, synced):
    """`make run`'s 数据共享 stage: the receiver (simulator) in the background, found again, stopped;
    the demo grant made once, audited, never twice."""
    from services.catalog import demo
    from simulators import exchange_receiver
    from yikatong.background import http_ok
    from yikatong.settings import get_settings

    port = _free_port()
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "exchange_port", port)
    patch.setattr(get_settings(), "exchange_url", f"http://127.0.0.1:{port}")
    try:
        assert "已启动" in exchange_receiver.start_in_background()
        assert http_ok(f"http://127.0.0.1:{port}/exchange/v1/deliveries")
        assert "已在运行" in exchange_receiver.start_in_background()
        assert exchange_receiver.RECEIVER.running().port == port
    finally:
        assert exchange_receiver.RECEIVER.stop() is True
        patch.undo()
    assert not http_ok(f"http://127.0.0.1:{port}/exchange/v1/deliveries", timeout=1)
    assert "已建立" in await demo.ensure_demo_grant()
    assert "已存在" in await demo.ensure_demo_grant()
    assert sql("select department, granted_by from catalog_grant") == [("WJW", "demo")]
    assert sql("select actor from audit_log where action = 'catalog.request.decide'") == [("demo",)]


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
