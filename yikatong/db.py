"""PostgreSQL: the server (embedded `pgserver` unless `YKT_DATABASE_URL` is set), databases, engines.

One server holds every database of the platform: `ops` (services), `analytics` (marts), `airflow`,
`superset`, and one per simulated upstream system. The embedded server keeps its data in
`<home>/pg`, listens on a Unix socket only, and outlives the process that started it (so the API
workers, Airflow, dbt and Superset share it) until `ykt db stop`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from yikatong.settings import get_settings

PLATFORM_DATABASES = ("ops", "analytics", "airflow", "superset")
SOURCE_DATABASES = ("src_card_system", "src_insurance", "src_holder", "src_business")
ALL_DATABASES = PLATFORM_DATABASES + SOURCE_DATABASES

# Tuned for one 2-core / 24 GiB machine running everything; production overrides in its own conf.
_SERVER_CONF = {
    "max_connections": "400",
    "shared_buffers": "1GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "effective_cache_size": "8GB",
    "wal_compression": "on",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "timezone": "UTC",
}

log = logging.getLogger(__name__)


class DatabaseError(RuntimeError):
    """The database server cannot be reached or started (message in Chinese and English)."""


def _quiet_pgserver() -> None:
    os.environ.setdefault("XDG_RUNTIME_DIR", str(get_settings().home / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    logging.getLogger("pgserver").setLevel(logging.WARNING)


@functools.cache
def server_url() -> URL:
    """The server URL (database `postgres`), starting the embedded server when needed."""
    configured = get_settings().database_url
    if configured:
        return _parse_configured(configured)
    return make_url(_embedded_uri()).set(drivername="postgresql+psycopg")


def _parse_configured(raw: str) -> URL:
    try:
        url = make_url(raw)
    except Exception as exc:  # sqlalchemy raises ArgumentError for garbage
        raise DatabaseError(f"YKT_DATABASE_URL 格式错误 / malformed YKT_DATABASE_URL: {exc}") from None
    if not url.drivername.startswith("postgresql"):
        raise DatabaseError(
            f"YKT_DATABASE_URL 必须是 PostgreSQL 地址 / must be postgresql://…, got {url.drivername}"
        )
    return url.set(drivername="postgresql+psycopg", database=url.database or "postgres")


def _embedded_uri() -> str:
    _quiet_pgserver()
    import pgserver  # heavy import: only when the embedded server is used

    pg_dir = get_settings().pg_dir
    fresh = not (pg_dir / "PG_VERSION").exists()
    pg_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(pg_dir, cleanup_mode=None)
        server.ensure_postgres_running()  # the handle is cached per process; the server may have stopped
    except Exception as exc:
        raise DatabaseError(f"内置 PostgreSQL 启动失败 / embedded PostgreSQL failed to start: {exc}") from exc
    if fresh:
        _configure(server)
    return server.get_uri()


def _configure(server) -> None:
    """Apply the platform's server settings once, after initdb, then restart to take them."""
    sets = "".join(f"ALTER SYSTEM SET {k} = '{v}';\n" for k, v in _SERVER_CONF.items())
    server.psql(sets)
    from pgserver import pg_ctl

    pg_ctl(["-w", "restart", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)


def url_for(database: str, driver: str = "postgresql+psycopg") -> URL:
    return server_url().set(database=database, drivername=driver)


def dsn(database: str) -> str:
    """A libpq connection string (for psycopg, dbt, Airflow, Superset)."""
    return url_for(database, "postgresql").render_as_string(hide_password=False)


@functools.cache
def engine(database: str) -> sa.Engine:
    return sa.create_engine(url_for(database), pool_pre_ping=True, pool_size=5, max_overflow=10)


# Connections per process (an API worker): 40 kept + 20 overflow, and the autocommit pool's 40 + 10
# below. With the default 2 workers that is at most 220 of the server's max_connections (400,
# `_SERVER_CONF`), leaving room for Airflow, Superset and dbt; under a burst a request queues for a
# connection rather than failing.
ASYNC_POOL, ASYNC_OVERFLOW = 40, 20


# A second pool per process whose connections stay in autocommit: the one-statement paths
# (heartbeats, progress polls, device reads, log writers) take one without switching its isolation
# level on checkout and back on return (driver calls and pool events on every request). Its steady
# size covers the requests a worker admits at once (`services.base.admission.MAX_ACTIVE`, 32) and
# the background writers: beyond it each checkout would open, and close again, a PostgreSQL backend.
AUTOCOMMIT_POOL, AUTOCOMMIT_OVERFLOW = 40, 10


@functools.cache
def async_engine(database: str, pool_size: int = ASYNC_POOL) -> AsyncEngine:
    url = url_for(database, "postgresql+psycopg")
    return create_async_engine(url, pool_size=pool_size, max_overflow=ASYNC_OVERFLOW)


@functools.cache
def autocommit_engine(database: str) -> AsyncEngine:
    url = url_for(database, "postgresql+psycopg")
    return create_async_engine(
        url, pool_size=AUTOCOMMIT_POOL, max_overflow=AUTOCOMMIT_OVERFLOW, isolation_level="AUTOCOMMIT"
    )


def sessionmaker_for(database: str) -> sessionmaker[Session]:
    return sessionmaker(engine(database), expire_on_commit=False)


def ensure_databases(names: tuple[str, ...] = ALL_DATABASES) -> list[str]:
    """Create the missing databases; returns the names created."""
    admin = sa.create_engine(server_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            have = set(conn.scalars(sa.text("select datname from pg_database")))
            created = [n for n in names if n not in have]
            for name in created:
                conn.execute(sa.text(f'create database "{name}"'))
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"无法连接数据库 / cannot reach PostgreSQL: {exc.orig}") from None
    finally:
        admin.dispose()
    return created


def status() -> dict[str, object]:
    """What the server is and which platform databases exist (does not start anything)."""
    s = get_settings()
    info: dict[str, object] = {"mode": "external" if s.database_url else "embedded"}
    if not s.database_url:
        pid_file = s.pg_dir / "postmaster.pid"
        info["data_dir"] = str(s.pg_dir)
        info["running"] = pid_file.exists() and _pid_alive(pid_file)
        if not info["running"]:
            return info
    admin = sa.create_engine(server_url())
    try:
        with admin.connect() as conn:
            info["version"] = conn.scalar(sa.text("show server_version"))
            have = set(conn.scalars(sa.text("select datname from pg_database")))
        info["databases"] = {n: n in have for n in ALL_DATABASES}
        info["running"] = True
    except sa.exc.OperationalError as exc:
        info["running"] = False
        info["error"] = str(exc.orig).strip()
    finally:
        admin.dispose()
    return info


def _pid_alive(pid_file: Path) -> bool:
    with contextlib.suppress(ValueError, OSError):
        os.kill(int(pid_file.read_text().split()[0]), 0)
        return True
    return False


def stop() -> bool:
    """Stop the embedded server; False when it was not running (or the server is external)."""
    s = get_settings()
    if s.database_url or not (s.pg_dir / "postmaster.pid").exists():
        return False
    _quiet_pgserver()
    from pgserver import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=s.pg_dir, user=user)
    except subprocess.CalledProcessError:
        return False
    _forget_server()
    return True


def _forget_server() -> None:
    """Drop cached URLs and pools so the next use starts (or finds) the server again."""
    server_url.cache_clear()
    engine.cache_clear()
    async_engine.cache_clear()
