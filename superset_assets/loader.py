"""装载 Superset: config, metadata database (upgraded and initialised once), bundle, roles, users.

`load()` is idempotent: `superset db upgrade` + `superset init` (~2 min together) run only when the
metadata database is not yet at this Superset's version (a stamp file, checked against the database
itself); the bundle import overwrites by UUID; roles, row-level security and users are upserted.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from superset_assets import bundle, config, security
from superset_assets import declaration as decl
from yikatong.settings import REPO_ROOT

ANALYTICS_DATABASE = "analytics"
INSIDE = Path(__file__).with_name("inside.py")


class SupersetLoadError(RuntimeError):
    """Superset could not be loaded (message in Chinese)."""


@dataclass(frozen=True)
class Loaded:
    """What the import produced: Superset's ids by dataset table, chart UUID and dashboard slug."""

    datasets: dict[str, int]
    charts: dict[str, int]
    dashboards: dict[str, int]
    initialised: bool


def _python() -> Path:
    return config.SUPERSET_VENV / "bin" / "python"


def superset_version() -> str:
    out = _run([str(_python()), "-c", "import importlib.metadata as m; print(m.version('apache-superset'))"])
    return out.strip().splitlines()[-1]


def _run(cmd: list[str], *, stdin: str | None = None, timeout: float = 900) -> str:
    if not _python().exists():
        raise SupersetLoadError(f"未找到 Superset 环境 {config.SUPERSET_VENV}：请先运行 make setup")
    proc = subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=config.superset_env(),
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-3000:]
        raise SupersetLoadError(f"Superset 命令失败（{' '.join(cmd[-2:])}）：\n{tail}")
    return proc.stdout


def check_metadata_database() -> None:
    """Fail early, in Chinese, when the metadata database cannot be reached (or created)."""
    from yikatong import db

    try:
        db.ensure_databases((config.METADATA_DATABASE, ANALYTICS_DATABASE))
        with db.engine(config.METADATA_DATABASE).connect() as conn:
            conn.execute(sa.text("select 1"))
    except (db.DatabaseError, sa.exc.SQLAlchemyError) as exc:
        raise SupersetLoadError(
            f"无法连接 Superset 元数据库（PostgreSQL 数据库 {config.METADATA_DATABASE}）："
            f"请检查 YKT_DATABASE_URL 或运行 ykt db status。原因：{exc}"
        ) from None


def _stamp() -> Path:
    return config.home() / "initialised"


def _database_initialised(version: str) -> bool:
    """The stamp matches this version and the metadata database really holds Superset's tables."""
    from yikatong import db

    if not _stamp().exists() or _stamp().read_text().strip() != version:
        return False
    with db.engine(config.METADATA_DATABASE).connect() as conn:
        has_roles = conn.scalar(sa.text("select to_regclass('public.ab_role') is not null"))
        return bool(has_roles) and bool(
            conn.scalar(sa.text("select count(*) from ab_role where name = 'Gamma'"))
        )


def ensure_initialised() -> bool:
    """`superset db upgrade` + `superset init` once per metadata database and version; True if run now."""
    version = superset_version()
    if _database_initialised(version):
        return False
    superset = str(config.SUPERSET_VENV / "bin" / "superset")
    _run([superset, "db", "upgrade"])
    _run([superset, "init"])
    _stamp().write_text(version)
    return True


def _job(data_database: str, zip_path: Path) -> dict[str, object]:
    return {
        "zip_path": str(zip_path),
        "database_uuid": bundle.database_uuid(),
        "keep_uuids": bundle.asset_uuids(),
        "roles": security.role_jobs(),
        "rls_prefix": security.RLS_PREFIX,
        "users": [u.job() for u in security.demo_users()],
        "data_database": data_database,
    }


def _fingerprint(job: dict[str, object]) -> str:
    """What an import depends on: the job, the committed YAML, the data database's address."""
    digest = hashlib.sha256(json.dumps({**job, "zip_path": None}, sort_keys=True).encode())
    for name, text in sorted(bundle.read().items()):
        digest.update(name.encode() + b"\0" + text.encode())
    digest.update(config.data_uri(str(job["data_database"])).encode())
    return digest.hexdigest()


def imported_ids() -> Loaded:
    """Superset's ids of our datasets, charts and dashboards, read from the metadata database."""
    from yikatong import db

    uuid = bundle.database_uuid()
    with db.engine(config.METADATA_DATABASE).connect() as conn:
        datasets = dict(
            conn.execute(
                sa.text(
                    "select t.table_name, t.id from tables t join dbs d on d.id = t.database_id"
                    " where d.uuid::text = :uuid"
                ),
                {"uuid": uuid},
            ).all()
        )
        charts = dict(conn.execute(sa.text("select uuid::text, id from slices")).all())
        dashboards = dict(
            conn.execute(sa.text("select slug, id from dashboards where slug is not null")).all()
        )
    return Loaded(datasets, charts, dashboards, initialised=False)


def _already_imported(fingerprint: str) -> bool:
    stamp = config.home() / "imported"
    if not stamp.exists() or stamp.read_text().strip() != fingerprint:
        return False
    have = imported_ids()
    return {d.slug for d in decl.DASHBOARDS} <= set(have.dashboards) and set(bundle.asset_uuids()) <= (
        set(have.charts) | {bundle.stable_uuid("dataset", t) for t in have.datasets}
    )


def import_assets(data_database: str = ANALYTICS_DATABASE, *, force: bool = False) -> Loaded:
    """Import the bundle (URI filled from the environment), then roles, row-level security and users.

    Skipped when exactly this bundle, job and data database were imported into this metadata
    database before (the import starts Superset once more, ~1 min on a busy 2-core machine).
    """
    zip_path = config.home() / "bundle.zip"
    job = _job(data_database, zip_path)
    fingerprint = _fingerprint(job)
    if not force and _already_imported(fingerprint):
        return imported_ids()
    (config.home() / "imported").unlink(missing_ok=True)
    zip_path.write_bytes(bundle.zip_bundle(config.data_uri(data_database)))
    zip_path.chmod(0o600)
    try:
        _run([str(_python()), "-P", str(INSIDE)], stdin=json.dumps(job, ensure_ascii=False))
    finally:
        zip_path.unlink(missing_ok=True)  # it holds the filled-in database address
    (config.home() / "imported").write_text(fingerprint)
    return imported_ids()


def load(data_database: str = ANALYTICS_DATABASE, port: int | None = None, *, force: bool = False) -> Loaded:
    """The whole load: check the database, write the config, initialise once, import."""
    check_metadata_database()
    config.write_config(port)
    initialised = ensure_initialised()
    loaded = import_assets(data_database, force=force or initialised)
    return Loaded(loaded.datasets, loaded.charts, loaded.dashboards, initialised)


def stage_superset() -> str:
    """`make run`'s Superset stage: load the bundle, serve in the background, say where and who."""
    from superset_assets import process

    loaded = load()
    served = process.serve()
    verb = "已启动" if served.started else "已在运行"
    return (
        f"Superset {served.url} {verb}（{len(loaded.dashboards)} 个看板）；登录：{security.logins_text()}"
        f"；停止：ykt superset stop"
    )
