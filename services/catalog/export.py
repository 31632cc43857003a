"""共享导出：按部门和授权，把一个业务日期的数据集导出为 CSV 文件与签名清单。

For each department with active grants on ``ds`` (approved, not revoked, valid through ``ds``),
each granted dataset's rows of that day (``_logical_date = ds`` when the dataset is kept per
batch; its whole current state otherwise) are cut to the granted columns that may leave
(:mod:`services.catalog.policy`), masked, sorted on every column and written as UTF-8 CSV under
``<YKT_HOME>/share/<部门>/<日期>/``, next to ``manifest.json`` (rows, SM3 per file, SM2 signature).
The same inputs give the same bytes, so a rerun rewrites identical files.
"""

from __future__ import annotations

import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.catalog import manifest as manifests
from services.catalog import policy, share_file
from services.catalog.classify import CLOSED
from services.catalog.masking import mask_column
from services.catalog.models import CatalogEntry, Grant
from yikatong.crypto import sm3_hex
from yikatong.settings import get_settings

log = logging.getLogger(__name__)
CSV_OPTIONS = share_file.CSV_OPTIONS


@dataclass(frozen=True)
class ShareGrant:
    """一项有效授权及其数据集的目录信息。"""

    grant_id: int
    department: str
    entry_key: str
    location: str
    openness: str
    columns: list[str]
    entry_columns: list[dict]


@dataclass
class ExportResult:
    department: str
    folder: Path
    manifest: dict
    manifest_bytes: bytes


def share_root() -> Path:
    return get_settings().home.resolve() / "share"


def closed_items(session: Session) -> set[str]:
    """Resource items whose openness is 不予开放 (their columns never leave)."""
    query = sa.select(CatalogEntry.title).where(
        CatalogEntry.kind == "resource", CatalogEntry.openness == CLOSED
    )
    return set(session.scalars(query))


def active_grants(session: Session, ds: date, department: str | None = None) -> list[ShareGrant]:
    query = (
        sa.select(Grant, CatalogEntry)
        .join(CatalogEntry, CatalogEntry.id == Grant.entry_id)
        .where(Grant.revoked_at.is_(None), Grant.valid_until >= ds, CatalogEntry.openness != CLOSED)
        .order_by(Grant.department, Grant.id)
    )
    if department:
        query = query.where(Grant.department == department)
    return [
        ShareGrant(g.id, g.department, e.key, e.location, e.openness, list(g.columns), list(e.columns))
        for g, e in session.execute(query).all()
    ]


def dataset_rows(location: str, ds: date | None, columns: list[str] | None = None) -> pa.Table:
    """The day's rows (all rows when ``ds`` is None) of a lake table (``silver.x``, ``gold.x``) or an
    analytics table (``analytics.x``)."""
    if location.startswith("analytics."):
        return _analytics_rows(location.split(".", 1)[1], columns)
    from deltalake import DeltaTable

    from yikatong import lake

    uri = lake.table_uri(location)
    if not lake.exists(uri):
        return pa.table({c: pa.array([], pa.string()) for c in columns or []})
    names = pa.schema(DeltaTable(uri).schema()).names
    day = [("_logical_date", "=", ds)] if ds is not None and "_logical_date" in names else None
    wanted = [c for c in columns if c in names] if columns is not None else None
    return lake.read(uri, columns=wanted, filter=day)


def _analytics_rows(table: str, columns: list[str] | None) -> pa.Table:
    import adbc_driver_postgresql.dbapi as adbc

    from yikatong import db

    if not table.replace("_", "").isalnum():
        raise ValueError(f"非法表名 {table!r}")
    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    with adbc.connect(db.dsn("analytics")) as conn, conn.cursor() as cur:
        cur.execute(f'select {select} from public."{table}"')
        return cur.fetch_arrow_table()


def shape(rows: pa.Table, grant: ShareGrant, closed: set[str]) -> pa.Table:
    """The granted columns that may leave, masked where the rule says, sorted on every column.

    Columns are masked two at a time (Arrow's kernels run outside the GIL, and there are two cores).
    """
    allowed = policy.shared_columns(grant.entry_columns, grant.openness, closed)
    names = [c for c in grant.columns if c in allowed and c in rows.column_names]
    masked = [n for n in names if allowed[n]["rule"] == policy.MASK]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda n: mask_column(rows[n], allowed[n]["pii"]), masked)
        done = dict(zip(masked, results, strict=True))
    out = {name: done.get(name, rows[name]) for name in names}
    table = pa.table(out) if out else pa.table({})
    if not table.num_columns or not table.num_rows:
        return table
    return table.take(pc.sort_indices(table, [(n, "ascending") for n in names]))


def csv_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, CSV_OPTIONS)
    return buffer.getvalue()


def export_grant(grant: ShareGrant, ds: date | None, closed: set[str], path: Path):
    """One grant's file for ``ds``: read, cut, mask, sort, CSV with SM3 (the table and the file)."""
    table = shape(dataset_rows(grant.location, ds, grant.columns), grant, closed)
    return table, share_file.write_csv(table, path)


def _write_bytes(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return  # identical already: leave the file (and its mtime) alone
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def export_department(session: Session, department: str, ds: date, root: Path | None = None) -> ExportResult:
    """Write one department's files and signed manifest for ``ds``."""
    closed = closed_items(session)
    folder = (root or share_root()) / department / ds.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for grant in active_grants(session, ds, department):
        name = f"{grant.entry_key.replace('.', '__')}__g{grant.grant_id}.csv"
        table, written = export_grant(grant, ds, closed, folder / name)
        files.append(manifests.file_entry(name, grant.entry_key, grant.grant_id, table, written))
    body = manifests.build(department, ds, files)
    data = manifests.signed_bytes(body)
    _write_bytes(folder / manifests.MANIFEST, data)
    keep = {f["file"] for f in files} | {manifests.MANIFEST}
    for stale in folder.iterdir():
        if stale.name not in keep:
            stale.unlink()
    return ExportResult(department, folder, body, data)


def export_day(
    session: Session, ds: date, department: str | None = None, root: Path | None = None
) -> list[ExportResult]:
    """Every department with an active grant on ``ds`` (or just ``department``)."""
    if not sa.inspect(session.get_bind()).has_table(Grant.__tablename__):
        log.warning("目录尚未建立（先 ykt api migrate、ykt catalog sync），没有可共享的授权")
        return []  # no catalog yet, hence no grant: nothing to share (the pipeline still runs)
    departments = sorted({g.department for g in active_grants(session, ds, department)})
    return [export_department(session, d, ds, root) for d in departments]


def manifest_sm3(result: ExportResult) -> str:
    return sm3_hex(result.manifest_bytes)
