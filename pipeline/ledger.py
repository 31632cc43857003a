"""The pipeline's own records in `analytics.pipeline`: batches (what each run took from each route),
reconciliation, source monitoring and alerts. dbt reads them as a source; dashboards chart them."""

from __future__ import annotations

import functools
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert

from yikatong import db

metadata = sa.MetaData(schema="pipeline")

batch = sa.Table(
    "batch",
    metadata,
    sa.Column("route_id", sa.Text, primary_key=True),
    sa.Column("logical_date", sa.Date, primary_key=True),
    sa.Column("batch_id", sa.Text, nullable=False),
    sa.Column("low_watermark", sa.DateTime(timezone=True)),
    sa.Column("high_watermark", sa.DateTime(timezone=True)),
    sa.Column("files", JSONB, nullable=False, server_default="[]"),
    sa.Column("source_rows", sa.BigInteger),
    sa.Column("source_amount", sa.Float),
    sa.Column("bronze_rows", sa.BigInteger),
    sa.Column("bronze_amount", sa.Float),
    sa.Column("rejected_files", JSONB, nullable=False, server_default="[]"),
    sa.Column("status", sa.Text, nullable=False),  # running | succeeded | failed
    sa.Column("error", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    comment="每次运行从每条交换路由抽取的批次",
)


def ensure_schema() -> None:
    """Create the `pipeline` schema and tables when missing (once per process and server)."""
    _ensure_schema(db.server_url().render_as_string(hide_password=False))


@functools.cache
def _ensure_schema(server: str) -> None:
    engine = db.engine("analytics")
    with engine.begin() as conn:
        conn.execute(sa.text("create schema if not exists pipeline"))
    metadata.create_all(engine)


def previous_high(route_id: str, logical_date: date) -> datetime | None:
    """The high watermark of the latest successful batch before this date (None: initial load)."""
    ensure_schema()
    query = (
        sa.select(batch.c.high_watermark)
        .where(
            batch.c.route_id == route_id, batch.c.logical_date < logical_date, batch.c.status == "succeeded"
        )
        .order_by(batch.c.logical_date.desc())
        .limit(1)
    )
    with db.engine("analytics").connect() as conn:
        return conn.scalar(query)


def files_taken(route_id: str, before: date) -> set[str]:
    """Files already ingested by successful batches of earlier dates (file-drop routes)."""
    ensure_schema()
    query = sa.select(batch.c.files).where(
        batch.c.route_id == route_id, batch.c.logical_date < before, batch.c.status == "succeeded"
    )
    with db.engine("analytics").connect() as conn:
        return {f for files in conn.scalars(query) for f in files}


def record(values: dict) -> None:
    """Upsert one batch row: a rerun of a date overwrites that date's record, except that a succeeded
    batch is replaced only by another success.

    Bronze keeps a date's succeeded batch until a rerun commits (one atomic Delta commit), so a
    rerun that fails or is killed mid-write must not leave the record saying "running" or "failed":
    the next date's watermark window and pending files start from the succeeded batches, and would
    otherwise take this date's rows a second time.
    """
    ensure_schema()
    stmt = insert(batch).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["route_id", "logical_date"],
        set_={c.name: c for c in stmt.excluded},
        where=None if values.get("status") == "succeeded" else batch.c.status != "succeeded",
    )
    with db.engine("analytics").begin() as conn:
        conn.execute(stmt)


def latest_batches() -> list[dict]:
    ensure_schema()
    query = (
        sa.select(batch).distinct(batch.c.route_id).order_by(batch.c.route_id, batch.c.logical_date.desc())
    )
    with db.engine("analytics").connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
