"""Airflow for this project, driven from the core environment (and the few helpers the DAGs share).

Airflow lives in its own virtual environment (`.venv-airflow`); the core never imports it. This module
builds the environment every Airflow process gets (`airflow_env`), migrates its metadata database
(`migrate`), runs one DAG run through `airflow dags test` (`run_dag`), and starts or stops the four
services of a local deployment: api-server, scheduler, dag-processor and triggerer (`serve`, `stop`).

Layout under `<YKT_HOME>/airflow`: `airflow.cfg`-free configuration (everything is `AIRFLOW__*`
variables), `logs/` (task logs), `runs/<dag_id>-<ds>.log` (one `dags test` each), `<service>.log`
and `<service>.pid` for the served components, `pycache/` (bytecode of both environments).

The DAG files import the "DAG side" helpers at the bottom of this module inside Airflow's
environment, so the module's top level imports only the standard library; the core's settings and
database helpers are imported inside the functions that need them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_FOLDER = REPO_ROOT / "dags"
AIRFLOW_VENV = REPO_ROOT / ".venv-airflow"
AIRFLOW_BIN = AIRFLOW_VENV / "bin" / "airflow"
AIRFLOW_PYTHON = AIRFLOW_VENV / "bin" / "python"
CORE_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"

ADMIN_USER = "admin"
DEMO_PASSWORD = "admin"  # demo and test profiles only; prod keeps Airflow's generated password
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
# Task logs are local files the api-server reads itself; Airflow's log servers would listen on
# 0.0.0.0:8793/8794 (not configurable), so they stay off.
_SERVICE_ARGS = {"scheduler": ("--skip-serve-logs",), "triggerer": ("--skip-serve-logs",)}


class AirflowError(RuntimeError):
    """Airflow could not be set up, served or run (message in Chinese and English)."""


# --------------------------------------------------------------------------------------------------
# Core side: environment, metadata database, dags test, services
# --------------------------------------------------------------------------------------------------


def airflow_home() -> Path:
    from yikatong.settings import get_settings

    return get_settings().home.resolve() / "airflow"


def passwords_file() -> Path:
    return airflow_home() / "simple_auth_manager_passwords.json"


def metadata_url() -> str:
    """The SQLAlchemy URL of Airflow's metadata database (`airflow` on the platform's PostgreSQL)."""
    from yikatong import db

    return db.url_for("airflow", "postgresql+psycopg2").render_as_string(hide_password=False)


def _server_url() -> str:
    from yikatong import db

    return db.url_for("postgres", "postgresql+psycopg").render_as_string(hide_password=False)


def api_url() -> str:
    from yikatong.settings import get_settings

    return f"http://127.0.0.1:{get_settings().airflow_port}"


def _derived_secret(purpose: str) -> bytes:
    """A stable secret for Airflow derived from the platform's session secret (real in prod)."""
    from yikatong.settings import get_settings

    return hashlib.sha256(
        f"yikatong-airflow:{purpose}:".encode() + get_settings().session_secret.encode()
    ).digest()


def airflow_env(*, with_database: bool = True, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The full environment of an Airflow process of this project.

    `with_database=False` leaves the metadata database out (parsing DAGs needs none, and then the
    embedded PostgreSQL is not started). `extra` is laid over the result: it is how a caller changes
    what the *tasks* see (they inherit this environment) without touching Airflow's own metadata
    connection, which is resolved here from the real settings first.
    """
    from yikatong.settings import get_settings

    s = get_settings()
    home = airflow_home()
    port = s.airflow_port
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AIRFLOW__") and k not in {"VIRTUAL_ENV", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"}
    }
    env = {
        **base,
        "PATH": f"{AIRFLOW_VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        # tasks and DAG files resolve `pipeline`, `yikatong`, … from the repository
        "PYTHONPATH": str(REPO_ROOT),
        # neither venv ships compiled bytecode; cache it outside the venvs and the repo (cold Airflow
        # start ~15 s, warm ~3 s)
        "PYTHONPYCACHEPREFIX": str(home / "pycache"),
        # the platform settings, explicit, so every task sees the same ones as this process
        "YKT_HOME": str(s.home.resolve()),
        "YKT_PROFILE": s.profile,
        "YKT_SCALE": s.scale,
        "YKT_CORE_PYTHON": str(CORE_PYTHON),
        "GX_ANALYTICS_ENABLED": "false",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(_derived_secret("fernet")).decode(),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file()),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": _derived_secret("api").hex(),
        # the scheduler signs task tokens that the api-server checks: one key for both
        "AIRFLOW__API_AUTH__JWT_SECRET": _derived_secret("jwt").hex(),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "60",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
    }
    if with_database:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = metadata_url()
        # the tasks reach the same server by its address: each task process then skips the embedded
        # server's start-up checks (1-3 s apiece here), as Airflow's own connection above does
        env["YKT_DATABASE_URL"] = _server_url()
    env.update(extra or {})
    return env


def ensure_home() -> Path:
    """Create `<home>/airflow` and the login's password file (a fixed demo password outside prod)."""
    from yikatong.settings import get_settings

    home = airflow_home()
    for sub in ("", "runs", "logs", "pycache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    if get_settings().profile != "prod":
        wanted = {ADMIN_USER: DEMO_PASSWORD}
        path = passwords_file()
        current = None
        with contextlib.suppress(OSError, ValueError):
            current = json.loads(path.read_text())
        if current != wanted:
            path.write_text(json.dumps(wanted) + "\n")
            path.chmod(0o600)
    return home


def login() -> tuple[str, str]:
    """The UI login: (user, password). In prod the password is the one Airflow generated."""
    from yikatong.settings import get_settings

    if get_settings().profile != "prod":
        return ADMIN_USER, DEMO_PASSWORD
    try:
        return ADMIN_USER, json.loads(passwords_file().read_text())[ADMIN_USER]
    except (OSError, ValueError, KeyError):
        return ADMIN_USER, f"（见 / see {passwords_file()}）"


def _airflow(args: list[str], *, env: Mapping[str, str], log: Path, timeout: float | None = None) -> int:
    _require_airflow()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ airflow {shlex.join(args)}\n")
        out.flush()
        try:
            return subprocess.run(
                [str(AIRFLOW_BIN), *args],
                env=dict(env),
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\n[timeout after {timeout:.0f}s]\n")
            return 124


def _require_airflow() -> None:
    if not AIRFLOW_BIN.exists():
        raise AirflowError(
            f"未安装 Airflow 环境 / Airflow environment missing: {AIRFLOW_BIN} (run `make setup`)"
        )


def _tail(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    return ""


@dataclass
class MigrateResult:
    migrated: bool  # False: the schema was already current
    seconds: float
    log_path: Path


def migrate() -> MigrateResult:
    """Bring Airflow's metadata database to this Airflow's schema; fast when it already is.

    Fast path (no Airflow process): the database's alembic head equals the one recorded in
    `<home>/airflow/migrated.json` for the installed Airflow version. Otherwise `airflow db
    check-migrations` (one CLI start, 5-15 s here), and `airflow db migrate` only when that reports
    missing migrations (~10 s on an empty database, plus Airflow's start). Idempotent.
    """
    from yikatong import db

    started = time.perf_counter()
    ensure_home()
    db.ensure_databases(("airflow",))
    stamp = airflow_home() / "migrated.json"
    log = airflow_home() / "migrate.log"
    current = {"airflow": _airflow_version(), "heads": _db_heads()}
    with contextlib.suppress(OSError, ValueError):
        if current["heads"] and json.loads(stamp.read_text()) == current:
            return MigrateResult(False, time.perf_counter() - started, log)
    env = airflow_env()
    migrated = False
    if _airflow(["db", "check-migrations", "--migration-wait-timeout", "1"], env=env, log=log, timeout=600):
        if _airflow(["db", "migrate"], env=env, log=log, timeout=1800) != 0:
            raise AirflowError(
                f"Airflow 元数据库迁移失败 / airflow db migrate failed; log {log}:\n{_tail(log)}"
            )
        migrated = True
    stamp.write_text(json.dumps({"airflow": current["airflow"], "heads": _db_heads()}) + "\n")
    return MigrateResult(migrated, time.perf_counter() - started, log)


def sync_dags() -> float:
    """Write every DAG (and the Assets they declare) to the metadata database, once, serially.

    Each `airflow dags test` syncs the whole DAG folder before it runs its DAG; two starting side by
    side on a database that lacks an Asset both insert it, and one dies on the unique index
    (`idx_asset_name_uri_unique`). After this sync they find everything already there. Returns seconds.
    """
    started = time.perf_counter()
    log = airflow_home() / "sync-dags.log"
    log.unlink(missing_ok=True)
    if _airflow(["dags", "reserialize"], env=airflow_env(), log=log, timeout=900) != 0:
        raise AirflowError(
            f"DAG 同步到元数据库失败 / airflow dags reserialize failed; log {log}:\n{_tail(log)}"
        )
    return time.perf_counter() - started


def _airflow_version() -> str | None:
    """The installed Airflow's version, read from `.venv-airflow`'s metadata (no import)."""
    from importlib import metadata

    for site in sorted(AIRFLOW_VENV.glob("lib/python*/site-packages")):
        for dist in metadata.distributions(path=[str(site)]):
            if dist.metadata["Name"] == "apache-airflow-core":
                return dist.version
    return None


def _db_heads() -> list[str]:
    """The alembic revision(s) Airflow's metadata database is at ([] before the first migration)."""
    import sqlalchemy as sa

    from yikatong import db

    try:
        with db.engine("airflow").connect() as conn:
            return sorted(conn.scalars(sa.text("select version_num from alembic_version")))
    except sa.exc.DBAPIError:
        return []


@dataclass(frozen=True)
class TaskOutcome:
    state: str | None
    tries: int
    seconds: float | None = None  # the last attempt's run time (Airflow's start to end), None if it never ran


@dataclass
class DagRunResult:
    """One `airflow dags test` run: its outcome per task and where its log is."""

    dag_id: str
    ds: date
    ok: bool
    seconds: float
    log_path: Path
    tasks: dict[str, TaskOutcome] = field(default_factory=dict)
    failed_task: str | None = None
    reason: str | None = None  # the last error line the failing task printed

    @property
    def message(self) -> str:
        if self.ok:
            n = len(self.tasks)
            return f"DAG {self.dag_id} {self.ds} 成功 / succeeded（{n} 个任务，{self.seconds:.0f}s）"
        why = f"：{self.reason}" if self.reason else ""
        if self.failed_task is None:
            return (
                f"DAG {self.dag_id} 未能运行 / DAG {self.dag_id} did not run for {self.ds}{why}；"
                f"日志 / log: {self.log_path}"
            )
        task = self.failed_task
        tries = self.tasks[task].tries if task in self.tasks else 0
        return (
            f"DAG {self.dag_id} 在任务 {task} 失败（尝试 {tries} 次）/ DAG {self.dag_id} failed at task "
            f"{task} after {tries} attempt(s) for {self.ds}{why}；日志 / log: {self.log_path}"
        )


def run_dag(
    dag_id: str, ds: date, *, extra_env: Mapping[str, str] | None = None, timeout: float | None = None
) -> DagRunResult:
    """Run one DAG run for logical date `ds` through `airflow dags test`, in-process, with retries.

    The log streams to `<home>/airflow/runs/<dag_id>-<ds>.log` (replaced on each run). The outcome of
    each task comes from Airflow's metadata database, so a failure names its task and attempts.
    `extra_env` reaches the tasks only (see `airflow_env`).
    """
    ensure_home()
    env = airflow_env(extra=extra_env)
    log = airflow_home() / "runs" / f"{dag_id}-{ds.isoformat()}.log"
    log.unlink(missing_ok=True)
    started, since = time.perf_counter(), datetime.now(UTC) - timedelta(seconds=5)
    rc = _airflow(["dags", "test", dag_id, ds.isoformat()], env=env, log=log, timeout=timeout)
    seconds = time.perf_counter() - started
    tasks = _task_outcomes(dag_id, ds, since)
    ok = rc == 0 and bool(tasks) and all(t.state in {"success", "skipped"} for t in tasks.values())
    result = DagRunResult(dag_id, ds, ok, seconds, log, tasks)
    if not ok:
        failed = [tid for tid, t in tasks.items() if t.state in {"failed", "up_for_retry"}]
        result.failed_task = (
            failed[0] if failed else next((t for t, o in tasks.items() if o.state != "success"), None)
        )
        result.reason = _failure_reason(log, rc, result.failed_task)
    return result


def _task_outcomes(dag_id: str, ds: date, since: datetime) -> dict[str, TaskOutcome]:
    """Task states and attempts of the run of `dag_id` for `ds` created after `since`, in run order."""
    import sqlalchemy as sa

    from yikatong import db

    query = sa.text("""
        select ti.task_id, ti.state, ti.try_number,
               extract(epoch from ti.end_date - ti.start_date)::float as seconds
        from task_instance ti
        join dag_run dr on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id
        where dr.id = (select id from dag_run where dag_id = :dag_id and logical_date = :ld
                       and run_after >= :since order by id desc limit 1)
        order by ti.start_date nulls last, ti.task_id
    """)
    ld = f"{ds.isoformat()}T00:00:00+00:00"
    try:
        with db.engine("airflow").connect() as conn:
            rows = conn.execute(query, {"dag_id": dag_id, "ld": ld, "since": since}).all()
    except sa.exc.DBAPIError:
        return {}
    return {r.task_id: TaskOutcome(r.state, r.try_number or 0, r.seconds) for r in rows}


_ERROR_MARKERS = ("Error", "错误", "失败", "Exception", "failed", "refused", "Traceback", "无法")
_TASK_START = re.compile(r"\[DAG TEST\] running task <TaskInstance: [^.\s]+\.(\S+) ")
_TASK_OUTPUT = re.compile(r"\] (.*) \[airflow\.task\.hooks\.\S*SubprocessHook\]")
_HOOK_NOISE = ("Tmp dir root location", "Running command:", "Output:", "Command exited with return code")


def _failure_reason(log: Path, rc: int, task_id: str | None) -> str | None:
    """What the failing task printed last (its last attempt), preferring a line that reads as an error."""
    if rc == 124:
        return "运行超时 / timed out"
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    current, output = None, []
    for line in lines:
        if started := _TASK_START.search(line):
            current = started.group(1)
            if current == task_id:
                output = []  # keep only the last attempt
        elif current == task_id and (printed := _TASK_OUTPUT.search(line)):
            text = printed.group(1).strip()
            if text and not text.startswith(_HOOK_NOISE):
                output.append(text)
    if task_id is None:  # the run did not get to its tasks: Airflow's own last error line
        output = [line.strip() for line in lines if line.strip() and not line.startswith((" ", "$ "))]
    if not output:
        return None
    reason = next((t for t in reversed(output) if any(m in t for m in _ERROR_MARKERS)), output[-1])
    return reason if len(reason) <= 400 else reason[:400] + "…"


# ---- services ------------------------------------------------------------------------------------


def _pid_file(name: str) -> Path:
    return airflow_home() / f"{name}.pid"


def _running_pid(name: str) -> int | None:
    """The pid of our service `name` when it is alive (pid file present and the process is Airflow)."""
    try:
        pid = int(_pid_file(name).read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"airflow" in cmdline else None


def _served_port(name: str) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(_pid_file(name).read_text().split()[1])
    return None


def _healthy(timeout: float = 3) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url()}/api/v2/monitor/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_taken(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class ServeResult:
    url: str
    user: str
    password: str
    started: list[str]  # services started now (empty: all were already running)
    seconds: float


def serve(*, wait: float = 240) -> ServeResult:
    """Start api-server, scheduler, dag-processor and triggerer in the background (idempotent).

    Each writes `<home>/airflow/<service>.log` and `.pid`; returns once the API answers its health
    check. Needs a migrated database (`migrate()`).
    """
    from yikatong.settings import get_settings

    started_at = time.perf_counter()
    ensure_home()
    port = get_settings().airflow_port
    if _running_pid("api-server") is None and _port_taken(port):
        raise AirflowError(
            f"端口 {port} 已被其他程序占用 / port {port} is in use by another program (set YKT_AIRFLOW_PORT)"
        )
    if stale := {n: p for n in SERVICES if _running_pid(n) and (p := _served_port(n)) != port}:
        raise AirflowError(
            f"Airflow 已按端口 {sorted(set(stale.values()))} 运行 / already served for port(s) "
            f"{sorted(set(stale.values()))}, not {port}: run `ykt pipeline airflow-stop` first"
        )
    env = airflow_env()
    started = []
    for name in SERVICES:
        if _running_pid(name) is not None:
            continue
        log = (airflow_home() / f"{name}.log").open("a", encoding="utf-8")
        args = [str(AIRFLOW_BIN), name, *_SERVICE_ARGS.get(name, ())]
        if name == "api-server":
            args += ["--port", str(port), "--host", "127.0.0.1"]
        proc = subprocess.Popen(
            args,
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        _pid_file(name).write_text(f"{proc.pid}\n{port}\n")  # pid, then the API port it was served for
        started.append(name)
    deadline = time.monotonic() + wait
    while not _healthy():
        dead = [n for n in SERVICES if _running_pid(n) is None]
        if dead or time.monotonic() > deadline:
            name = dead[0] if dead else "api-server"
            log = airflow_home() / f"{name}.log"
            why = "已退出 / exited" if dead else f"{wait:.0f}s 内未就绪 / not ready within {wait:.0f}s"
            raise AirflowError(f"Airflow {name} {why}; log {log}:\n{_tail(log)}")
        time.sleep(1)
    user, password = login()
    return ServeResult(api_url(), user, password, started, time.perf_counter() - started_at)


def stop(*, wait: float = 30) -> list[str]:
    """Stop the served components started by `serve()` (their process groups); returns their names."""
    stopped = []
    for name in reversed(SERVICES):
        pid = _running_pid(name)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)  # serve() made each service its own group leader
            deadline = time.monotonic() + wait
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.3)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            stopped.append(name)
        _pid_file(name).unlink(missing_ok=True)
    return stopped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # reap it when it is our child (a zombie still answers kill 0)
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False


def status() -> dict[str, Any]:
    """Which services run (by pid file) and whether the API answers."""
    return {"url": api_url(), "healthy": _healthy(), "services": {n: _running_pid(n) for n in SERVICES}}


# --------------------------------------------------------------------------------------------------
# DAG side: imported by the DAG files inside Airflow's environment (standard library only)
# --------------------------------------------------------------------------------------------------


def retry_delay() -> timedelta:
    """Between a task's attempts: 10 s, or `YKT_RETRY_DELAY_SECONDS` (read when the DAGs are parsed)."""
    try:
        seconds = float(os.environ.get("YKT_RETRY_DELAY_SECONDS", "10"))
    except ValueError:
        seconds = 10.0
    return timedelta(seconds=min(max(seconds, 1.0), 60.0))


# Retries cover transient source outages; a source still down after them fails the run clearly.
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "yikatong",
    "retries": 2,
    "retry_delay": retry_delay(),
    "execution_timeout": timedelta(hours=1),
}


def task_command(command: str, *args: str, ds: str) -> str:
    """The shell command of a task: the core environment's `python -m pipeline.tasks <command> …`."""
    python = os.environ.get("YKT_CORE_PYTHON") or str(CORE_PYTHON)
    return shlex.join([python, "-m", "pipeline.tasks", command, *args, "--ds", ds])


def resolve_ds(context: Mapping[str, Any]) -> str:
    """The business date (YYYY-MM-DD) a task works on.

    The run's logical date when it has one (scheduled, `dags test`, manual with a date); else
    `dag_run.conf["ds"]`; else the latest `ds` carried by the asset events that triggered the run
    (asset-triggered runs have no logical date in Airflow 3).
    """
    if context.get("logical_date") is not None:
        return str(context["ds"])
    dag_run = context.get("dag_run")
    conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
    if conf.get("ds"):
        return date.fromisoformat(str(conf["ds"])).isoformat()
    found = [
        str(event.extra["ds"])
        for events in (context.get("triggering_asset_events") or {}).values()
        for event in events
        if (event.extra or {}).get("ds")
    ]
    if found:
        return max(found)
    raise ValueError(
        "无法确定业务日期：运行没有逻辑日期、conf.ds 或带 ds 的资产事件 / "
        "cannot tell the business date: no logical date, conf.ds or asset event ds"
    )


def mark_outlets(context: Mapping[str, Any], ds: str) -> None:
    """Put `ds` on this task's outlet asset events, for the asset-triggered DAGs downstream."""
    events = context.get("outlet_events")
    task = context.get("task")
    if events is None or task is None:
        return
    for asset in getattr(task, "outlets", ()):
        events[asset].extra["ds"] = ds


def silver_datasets() -> list[str]:
    """The silver datasets (contract names) the routes feed, in route order, plus `card_use_event`."""
    from pipeline.routes import ROUTES

    return list(dict.fromkeys([*(r.contract for r in ROUTES if r.contract), "card_use_event"]))
