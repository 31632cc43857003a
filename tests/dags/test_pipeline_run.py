"""The pipeline run through Airflow itself (`airflow dags test` per DAG, in asset order), at small scale.

Everything happens in one isolated home (its own embedded PostgreSQL, lake, sources and Airflow)
at `<YKT_HOME>/pipeline-e2e`. The home is kept between sessions so Airflow's metadata migration
(about a minute) is paid once; its data (lake, sources, `analytics`) is reset at the start.

A full run costs minutes here, so each run happens once, in module-scoped fixtures that build on
each other: the first run of ANCHOR (with a malformed exchange delivery in the drop) → an ingest
task killed with SIGKILL while it writes a Delta table → a rerun of ANCHOR (ingest → conform →
load) → `ykt simulate --advance 1d` → the next day's ingest and conform. Only the first run goes
through every DAG (dbt, gold, share included): the later ones check what their layers write, and
each costs minutes. The tests then read what each step left.

Where the time goes (`<home>/airflow/runs/e2e-profile.json` holds each run's profile: per DAG, its
tasks and Airflow's own overhead, from Airflow's metadata). Measured 2026-11-28 at load average
7-11 on 2 cores, niced as tests run: the first run 1978 s (33 min), of which `conform_silver` 1213 s
(its four Spark tasks 1198 s: people_and_cards 484, insurance_and_business 252,
events_and_directories 236, ops 212 for nine empty tables), `build_gold` 246 s, `transform_marts`
132 s, the seven ingest DAGs 4.6 min two at a time (their tasks 258 s; `airflow dags test` itself
adds ~25 s per DAG: start, DAG sync, in-process execution API). At 2-8k rows a silver job's cost is
Spark's per-job overhead and plan size, not rows: a smaller `small` scale would not shorten it.
Three such runs cannot fit the ~12 min `make test` could afford, so this module stays behind the
`e2e` marker (`make test-e2e`).
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import hashlib
import io
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline import airflow_env, orchestrate
from pipeline.routes import ROUTES, SOURCES, routes_of

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.airflow,
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.skipif(not airflow_env.AIRFLOW_PYTHON.exists(), reason="no .venv-airflow (make setup)"),
]

UNREACHABLE = "postgresql://ykt:ykt@127.0.0.1:1/postgres"
BAD_DELIVERY = "zz_test_bad_rows.csv"  # a delivery whose third row lacks a column
KILLED_ROUTE = "card_events.card_events"  # the largest bronze write at small scale
YKT = str(Path(sys.executable).with_name("ykt"))


def _clear_caches() -> None:
    from pipeline import ledger
    from yikatong import db
    from yikatong.settings import get_settings

    get_settings.cache_clear()
    db.server_url.cache_clear()
    db.engine.cache_clear()
    ledger._ensure_schema.cache_clear()


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    """The isolated home, its data reset, `ops` and Airflow's metadata database migrated.

    Airflow's metadata database is kept across sessions (its migration takes about a minute).
    """
    from services import migrations
    from yikatong import db
    from yikatong.settings import get_settings

    path = get_settings().home.resolve() / "pipeline-e2e"
    mp = pytest.MonkeyPatch()
    mp.setenv("YKT_HOME", str(path))
    mp.setenv("YKT_SCALE", "small")
    for name in ("YKT_DATABASE_URL", "YKT_LAKE_URI"):
        mp.delenv(name, raising=False)
    _clear_caches()
    for stale in ("lake", "sources", "airflow/runs"):
        shutil.rmtree(path / stale, ignore_errors=True)
    db.ensure_databases()
    _recreate_database("analytics")
    migrations.upgrade()  # `ykt api migrate`: the ops tables the `ingest_ops` DAG extracts
    airflow_env.migrate()
    yield path
    airflow_env.stop()
    db.stop()
    mp.undo()
    _clear_caches()


def _recreate_database(name: str) -> None:
    import sqlalchemy as sa

    from yikatong import db

    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        conn.execute(sa.text(f'create database "{name}"'))
    admin.dispose()
    _clear_caches()


# ---- what a run leaves behind ---------------------------------------------------------------------


def _lake_tables() -> list[tuple[str, Path]]:
    from yikatong import lake

    root = Path(lake.default_root())
    return [
        (f"{layer.name}.{table.name}", table)
        for layer in sorted(root.iterdir())
        for table in sorted(layer.iterdir())
        if lake.exists(str(table))
    ]


def _content_digest(uri: str, drop: tuple[str, ...]) -> str:
    """`yikatong.lake.checksum` without the columns in `drop` (bronze's `_ingested_at` is wall-clock)."""
    import pyarrow.csv as pa_csv

    from yikatong import lake

    table = lake.read(uri)
    table = table.drop_columns([c for c in drop if c in table.column_names])
    digest = hashlib.sha256(table.schema.remove_metadata().to_string().encode())
    sink = io.BytesIO()
    pa_csv.write_csv(table.sort_by([(c, "ascending") for c in table.column_names]), sink)
    digest.update(sink.getvalue())
    return digest.hexdigest()


def lake_checksums() -> dict[str, str]:
    """Every Delta table's content: `lake.checksum`, bronze without its ingestion time."""
    from yikatong import lake

    return {
        name: _content_digest(str(path), ("_ingested_at",))
        if name.startswith("bronze.")
        else lake.checksum(str(path))
        for name, path in _lake_tables()
    }


def lake_versions() -> dict[str, int]:
    from yikatong import lake

    return {name: lake.version(str(path)) for name, path in _lake_tables()}


def analytics_checksums() -> dict[str, str]:
    """md5 over the sorted rows of every `analytics.public.raw_*` table."""
    import sqlalchemy as sa

    from yikatong import db

    with db.engine("analytics").connect() as conn:
        names = conn.scalars(sa.text(
            "select table_name from information_schema.tables "
            "where table_schema = 'public' and table_name like 'raw\\_%' order by 1"
        )).all()  # fmt: skip
        return {
            n: conn.scalar(
                sa.text(
                    f"select md5(coalesce(string_agg(t::text, chr(10) order by t::text), '')) from \"{n}\" t"
                )
            )
            for n in names
        }


def _drop_bad_delivery() -> Path:
    """A CSV delivery in the exchange inbox whose manifest is honest but whose third row is short."""
    from yikatong.settings import get_settings

    inbox = get_settings().sources_dir / "exchange" / "inbox"
    columns = ["编码", "名称", "区县代码"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([columns, ["T01", "测试一", "511102"], ["T02", "测试二"], ["T03", "测试三", "511111"]])
    raw = buffer.getvalue().encode()
    (inbox / BAD_DELIVERY).write_bytes(raw)
    manifest = {
        "columns": columns,
        "dataset": "测试名录",
        "department_code": "TEST",
        "encoding": "utf-8",
        "file": BAD_DELIVERY,
        "format": "csv",
        "rows": 3,
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    (inbox / f"{BAD_DELIVERY}.manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    return inbox


@dataclass
class Snapshot:
    """One full run and the tables right after it."""

    run: orchestrate.PipelineRun
    progress: list[tuple[str, bool | None]]
    lake: dict[str, str]
    analytics: dict[str, str]
    versions: dict[str, int]
    anchor_days: dict[str, str]  # bronze table → digest of its ANCHOR partition


def _anchor_days() -> dict[str, str]:
    from simulators.scales import ANCHOR
    from yikatong import lake

    days = {}
    for r in ROUTES:
        rows = lake.read(lake.table_uri(r.bronze), filter=[("_logical_date", "=", ANCHOR)])
        rows = rows.drop_columns(["_ingested_at"])
        ordered = rows.sort_by([(c, "ascending") for c in rows.column_names])
        days[r.bronze] = hashlib.sha256(repr(ordered.to_pylist()).encode()).hexdigest()
    return days


def up_to_load(dag_id: str) -> bool:
    """The DAGs that write bronze, silver, quarantine, reconciliation and `analytics.raw_*`."""
    return dag_id.startswith("ingest_") or dag_id in {"conform_silver", "load_analytics"}


def up_to_silver(dag_id: str) -> bool:
    """Ingest and conform (reconciliation and monitoring are conform's last tasks)."""
    return dag_id.startswith("ingest_") or dag_id == "conform_silver"


def _run(label: str, ds: date, only=None) -> Snapshot:
    seen: list[tuple[str, bool | None]] = []

    def progress(dag: str, result) -> None:
        seen.append((dag, None if result is None else result.ok))

    run = orchestrate.run_pipeline(ds, progress=progress, only=only)
    _record_profile(label, run)
    assert run.ok, run.message
    return Snapshot(run, seen, lake_checksums(), analytics_checksums(), lake_versions(), _anchor_days())


def _record_profile(label: str, run: orchestrate.PipelineRun) -> None:
    """Where each run's time went (per DAG and task, from Airflow's metadata), kept beside its logs:
    `<home>/airflow/runs/e2e-profile.json`, one entry per run of this session."""
    path = airflow_env.airflow_home() / "runs" / "e2e-profile.json"
    profiles = {}
    with contextlib.suppress(OSError, ValueError):
        profiles = json.loads(path.read_text(encoding="utf-8"))
    profiles[label] = run.profile()
    path.write_text(json.dumps(profiles, ensure_ascii=False, indent=1), encoding="utf-8")


# ---- the runs, each once ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first(home) -> Snapshot:
    """`small` sources (deterministic for the seed) plus one malformed delivery, run for ANCHOR."""
    from simulators import world
    from simulators.scales import ANCHOR
    from yikatong.settings import get_settings

    s = get_settings()
    world.simulate("small", s.seed, s.dirt_rate)
    _drop_bad_delivery()
    return _run("first", ANCHOR)


@dataclass
class Killed:
    returncode: int
    orphans: list[str]  # files the killed process wrote that no Delta version references
    version_before: int  # the killed table's version when the last attempt started
    versions: dict[str, int]
    lake: dict[str, str]


def _referenced(table: Path) -> set[str]:
    """Every data file any version of the table references."""
    from deltalake import DeltaTable

    newest = DeltaTable(str(table)).version()
    return {
        uri.removeprefix("file://")
        for v in range(newest + 1)
        for uri in DeltaTable(str(table), version=v).file_uris()
    }


def _data_files(table: Path) -> set[str]:
    return {str(p) for p in table.rglob("*") if p.is_file() and "_delta_log" not in p.parts}


class FileCreated:
    """inotify (Linux) on a table's folders: wakes the moment a writer creates a file there.

    Polling the folder would notice a new data file too late: delta-rs writes it and commits within
    milliseconds at this scale.
    """

    IN_CREATE, IN_MOVED_TO = 0x100, 0x80

    def __init__(self, table: Path) -> None:
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_CLOEXEC)
        assert self.fd >= 0, "inotify unavailable"
        for folder in [table, *(p for p in table.iterdir() if p.is_dir() and p.name != "_delta_log")]:
            self._libc.inotify_add_watch(self.fd, str(folder).encode(), self.IN_CREATE | self.IN_MOVED_TO)

    def wait(self, seconds: float) -> bool:
        return bool(select.select([self.fd], [], [], seconds)[0])

    def close(self) -> None:
        os.close(self.fd)


def _kill_mid_write(command: list[str], table: Path) -> tuple[int, list[str]]:
    """Start `command` in its own process group, SIGKILL the group when it creates a file in `table`."""
    watch = FileCreated(table)
    before = _data_files(table)
    proc = subprocess.Popen(command, cwd=airflow_env.REPO_ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while proc.poll() is None:
            if watch.wait(0.5):
                with contextlib.suppress(ProcessLookupError):  # it may have finished already
                    os.killpg(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        watch.close()
    return proc.returncode, sorted(_data_files(table) - before - _referenced(table))


@pytest.fixture(scope="module")
def killed(first) -> Killed:
    return kill_an_ingest_task_mid_write()


def kill_an_ingest_task_mid_write() -> Killed:
    """The ingest task of the largest bronze table, as Airflow runs it, killed with SIGKILL mid-write.

    delta-rs writes a table's data files, then commits the log entry that makes them a version. The
    kill lands when the task creates its first data file; up to five attempts until it lands between
    the two (a data file written, no version committed). Each attempt that lost the race committed
    a complete version of the same rows, which the checksums below must not tell apart either.
    """
    from pipeline.routes import route
    from simulators.scales import ANCHOR
    from yikatong import lake

    table = Path(lake.table_uri(route(KILLED_ROUTE).bronze))
    command = [str(airflow_env.CORE_PYTHON), "-m", "pipeline.tasks", "ingest", "--route", KILLED_ROUTE,
               "--ds", ANCHOR.isoformat()]  # fmt: skip
    for _attempt in range(5):
        version = lake.version(str(table))
        returncode, orphans = _kill_mid_write(command, table)
        if returncode == -signal.SIGKILL and orphans and lake.version(str(table)) == version:
            break
    return Killed(returncode, orphans, version, lake_versions(), lake_checksums())


@pytest.fixture(scope="module")
def rerun(killed) -> Snapshot:
    """ANCHOR again after the kill, through every DAG that writes the lake's lower layers and `raw_*`.

    dbt, gold and the exchange share are left out: they only read those tables, and their own
    reruns are tested with them (tests/dbt, tests/spark_jobs/test_gold_layer.py, tests/catalog).
    """
    from simulators.scales import ANCHOR

    return _run("rerun", ANCHOR, only=up_to_load)


@dataclass
class NextDay:
    ds: date
    advanced: subprocess.CompletedProcess
    snapshot: Snapshot


@pytest.fixture(scope="module")
def next_day(rerun) -> NextDay:
    """`ykt simulate --advance 1d` (the command a user types), then that day's ingest and conform."""
    from simulators.scales import ANCHOR

    advanced = subprocess.run([YKT, "simulate", "--advance", "1d"], capture_output=True, text=True,
                              env=dict(os.environ), timeout=600, check=False)  # fmt: skip
    assert advanced.returncode == 0, advanced.stdout + advanced.stderr
    _clear_caches()
    ds = ANCHOR + timedelta(days=1)
    return NextDay(ds, advanced, _run("next_day", ds, only=up_to_silver))


# ---- the first run ----------------------------------------------------------------------------------


def test_end_to_end_runs_every_dag_in_asset_order(first):
    from simulators.scales import ANCHOR

    run = first.run
    ingest = [i for i, dag in enumerate(run.order) if dag.startswith("ingest_")]
    assert {run.order[i] for i in ingest} == {f"ingest_{name}" for name in SOURCES}
    assert max(ingest) < run.order.index("conform_silver") < run.order.index("load_analytics")
    assert [r.dag_id for r in run.runs] == run.order
    for dag in run.order:  # each DAG reported when it starts, then when it succeeded
        assert [ok for d, ok in first.progress if d == dag] == [None, True], dag
    ends = [d for d, ok in first.progress if ok]
    assert max(ends.index(d) for d in run.order if d.startswith("ingest_")) < ends.index("conform_silver")
    for result in run.runs:
        assert result.tasks and all(t.state == "success" for t in result.tasks.values()), result.dag_id
        assert result.log_path == airflow_env.airflow_home() / "runs" / f"{result.dag_id}-{ANCHOR}.log"
    assert set(run.runs[0].tasks) == {r.table for r in routes_of(run.order[0].removeprefix("ingest_"))}
    assert orchestrate.completed(ANCHOR), "a run that reached the end and reconciles is recorded"


def test_every_layer_is_filled(first):
    lake = first.lake
    assert {r.bronze for r in ROUTES} <= set(lake)
    assert {f"silver.{d}" for d in airflow_env.silver_datasets()} <= set(lake)
    assert {f"raw_{d}" for d in airflow_env.silver_datasets()} <= set(first.analytics)


def test_first_run_reconciles_exactly(first):
    from pipeline import reconcile
    from simulators.scales import ANCHOR

    rows = {r["route_id"]: r for r in reconcile.latest()}
    assert set(rows) == {r.route_id for r in ROUTES}
    for route_id, row in rows.items():
        assert row["ok"] and row["logical_date"] == ANCHOR, (route_id, row["note"])
    assert rows["business.ywk_benefit_payment"]["source_amount"] > 0


def test_a_malformed_exchange_file_is_rejected_with_its_reason_and_the_others_load(first):
    from pipeline import ledger
    from simulators.scales import ANCHOR
    from yikatong.settings import get_settings

    exchange = get_settings().sources_dir / "exchange"
    rejected = exchange / "rejected"
    assert (rejected / BAD_DELIVERY).exists() and (rejected / f"{BAD_DELIVERY}.manifest.json").exists()
    reason = json.loads((rejected / f"{BAD_DELIVERY}.reason.json").read_text())
    assert reason["code"] == "wrong_columns" and "第 3 行" in reason["reason"], reason
    assert not (exchange / "inbox" / BAD_DELIVERY).exists()
    archived = sorted(p.name for p in (exchange / "archive" / ANCHOR.isoformat()).glob("*.manifest.json"))
    assert len(archived) >= 3 and f"{BAD_DELIVERY}.manifest.json" not in archived
    batch = next(b for b in ledger.latest_batches() if b["route_id"] == "exchange.directories")
    assert batch["logical_date"] == ANCHOR and batch["bronze_rows"] > 0
    assert [r["code"] for r in batch["rejected_files"]] == ["wrong_columns"]


def test_make_run_stage_skips_a_date_that_already_ran(first):
    from pipeline import cli

    started = time.perf_counter()
    line = cli.stage_pipeline()
    assert "已运行且对账全部一致，跳过" in line
    assert time.perf_counter() - started < 10


# ---- killed mid-write, then the same date again -------------------------------------------------------


def test_a_sigkill_mid_write_leaves_no_half_written_version(first, killed):
    from pipeline.routes import route

    bronze = route(KILLED_ROUTE).bronze
    assert killed.returncode == -signal.SIGKILL, "the task was killed before it finished"
    assert killed.orphans, "the kill landed after a data file was created, before its commit"
    assert killed.versions[bronze] == killed.version_before, "no version was committed by the killed task"
    assert killed.lake == first.lake, "every table reads exactly as before the kill"


def test_rerun_of_the_same_date_gives_identical_tables(first, rerun):
    assert rerun.lake == first.lake
    assert rerun.analytics == first.analytics
    assert any(rerun.versions[t] > v for t, v in first.versions.items()), "the rerun did rewrite"


def test_pipeline_status_shows_exact_reconciliation(rerun):
    from typer.testing import CliRunner

    from yikatong.cli import app

    result = CliRunner().invoke(app, ["pipeline", "status"])
    assert result.exit_code == 0, result.output
    for r in ROUTES:
        assert r.route_id in result.output
    assert "✘" not in result.output and result.output.count("✔") == len(ROUTES)


# ---- the next day: only the changes ---------------------------------------------------------------


def _changed_in_source(route, low, high) -> int:
    import sqlalchemy as sa

    from yikatong import db

    with db.engine(SOURCES[route.source].database).connect() as conn:
        wm = route.watermark
        query = f"select count(*) from {route.table} where {wm} > :low and {wm} <= :high"
        return conn.scalar(sa.text(query), {"low": low, "high": high})


def test_next_day_ingests_only_the_changes(first, next_day):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipeline.ingest import window_end
    from simulators.scales import ANCHOR
    from yikatong import lake
    from yikatong.settings import get_settings

    assert "fingerprint:" in next_day.advanced.stdout
    low, high = window_end(ANCHOR), window_end(next_day.ds)
    for r in ROUTES:
        if r.mode != "incremental":
            continue
        uri = lake.table_uri(r.bronze)
        day = lake.read(uri, filter=[("_logical_date", "=", next_day.ds)])
        whole = lake.read(uri, columns=["_logical_date"]).num_rows
        assert day.num_rows == _changed_in_source(r, low, high), r.route_id
        if whole:  # the `ops` tables stay empty here (no kiosk traffic): tests/pipeline/test_ops_routes.py
            assert day.num_rows < whole - day.num_rows, f"{r.route_id}: a day's changes, not the table again"
        if day.num_rows:  # the sources keep 经办时间 as timestamp without time zone, read as UTC
            watermark = day[r.watermark.lower()]
            first, last = pc.min(watermark).as_py(), pc.max(watermark).as_py()
            assert low.replace(tzinfo=None) < first and last <= high.replace(tzinfo=None), r.route_id
    # the message stream: only the new day's file
    events = lake.read(
        lake.table_uri("bronze.card_events__card_events"), filter=[("_logical_date", "=", next_day.ds)]
    )
    day_files = (get_settings().sources_dir / "card_events" / f"dt={next_day.ds}").glob("*.parquet")
    assert events.num_rows == sum(pq.read_metadata(f).num_rows for f in day_files) > 0
    # ANCHOR's batches are untouched: the next day added partitions, it rewrote none
    assert next_day.snapshot.anchor_days == first.anchor_days


def test_next_day_reconciles_exactly(first, next_day):
    from pipeline import reconcile

    rows = {r["route_id"]: r for r in reconcile.latest()}
    assert all(r["logical_date"] == next_day.ds for r in rows.values())
    assert [r for r in rows.values() if not r["ok"]] == []
    assert next_day.snapshot.run.order == [d for d in first.run.order if up_to_silver(d)]


# ---- failures --------------------------------------------------------------------------------------


def test_unreachable_source_fails_after_retries_with_nothing_committed(home):
    """A source that stays unreachable: every task retries twice, then the run fails, naming the task.

    The broken `YKT_DATABASE_URL` reaches the tasks only (`extra_env`): Airflow's own metadata
    connection was resolved from the real settings before, so Airflow itself keeps working.
    """
    from simulators.scales import ANCHOR

    ds = ANCHOR + timedelta(days=7)
    before = _bronze_files("insurance")
    extra = {"YKT_DATABASE_URL": UNREACHABLE, "YKT_RETRY_DELAY_SECONDS": "1"}
    result = airflow_env.run_dag("ingest_insurance", ds, extra_env=extra)
    assert not result.ok
    assert set(result.tasks) == {r.table for r in routes_of("insurance")}
    assert all(t.state == "failed" and t.tries == 3 for t in result.tasks.values()), result.tasks
    assert result.failed_task in result.tasks
    assert result.reason and ("127.0.0.1" in result.reason or "无法连接" in result.reason), result.reason
    message = result.message
    assert "ingest_insurance" in message and result.failed_task in message and "3" in message
    assert str(result.log_path) in message and result.log_path.exists()
    assert _bronze_files("insurance") == before, "nothing partial committed to bronze"


def _bronze_files(source: str) -> dict[str, tuple[int, int]]:
    from yikatong import lake

    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for r in routes_of(source)
        for p in Path(lake.table_uri(r.bronze)).rglob("*")
        if p.is_file()
    }


def test_migrate_is_idempotent_and_fast_when_current(home):
    again = airflow_env.migrate()
    assert again.migrated is False
    assert again.seconds < 5, "the already-migrated path starts no Airflow process"


def test_run_dag_reports_an_unknown_dag(home):
    result = airflow_env.run_dag("no_such_dag", date(2026, 11, 27))
    assert not result.ok and result.tasks == {}
    assert "no_such_dag" in result.message


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_documents_every_dag_and_stops(home, monkeypatch):
    """The UI as `make run` serves it: the demo login works and every DAG carries its Chinese doc_md."""
    from yikatong.settings import get_settings

    dags = orchestrate.dag_order()
    monkeypatch.setenv("YKT_AIRFLOW_PORT", str(_free_port()))
    get_settings.cache_clear()
    try:
        served = airflow_env.serve()
        assert served.started == list(airflow_env.SERVICES)
        assert (served.user, served.password) == ("admin", "admin")
        assert airflow_env.serve().started == [], "serve() is idempotent"
        login = {"username": "admin", "password": "admin"}
        token = _post_json(f"{served.url}/auth/token", login)["access_token"]
        listed = _listed_dags(served.url, token, set(dags))
        assert set(dags) <= set(listed)
        assert all(d["is_paused"] for d in listed.values()), "DAGs start paused"
        for dag_id in dags:
            doc = _get_json(f"{served.url}/api/v2/dags/{dag_id}/details", token)["doc_md"] or ""
            assert len(doc) > 100 and any("\u4e00" <= ch <= "\u9fff" for ch in doc), dag_id
    finally:
        stopped = airflow_env.stop()
        get_settings.cache_clear()
    assert set(stopped) == set(airflow_env.SERVICES)
    assert airflow_env.status()["services"] == dict.fromkeys(airflow_env.SERVICES)


def _listed_dags(url: str, token: str, wanted: set[str], wait: float = 180) -> dict[str, dict]:
    """The DAGs the API lists, once `wanted` are there (a fresh dag-processor parses them first)."""
    deadline = time.monotonic() + wait
    while True:
        listed = {d["dag_id"]: d for d in _get_json(f"{url}/api/v2/dags?limit=100", token)["dags"]}
        if wanted <= set(listed) or time.monotonic() > deadline:
            return listed
        time.sleep(3)


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)
