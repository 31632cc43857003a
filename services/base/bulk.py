"""Bulk inserts with one short, cacheable statement: `INSERT … SELECT * FROM unnest(arrays…)`.

A thousand rows become one array parameter per column instead of a 17,000-placeholder VALUES
list, so neither SQLAlchemy nor psycopg re-parses a huge query per batch and PostgreSQL plans
one small statement (used by the Excel imports; later bulk loads reuse it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_ARRAY_TYPES = {
    str: "text[]",
    int: "bigint[]",
    float: "float8[]",
    bool: "boolean[]",
    datetime: "timestamptz[]",
    uuid.UUID: "uuid[]",
}


def _array_type(column: sa.Column) -> str:
    return _ARRAY_TYPES[column.type.python_type]


async def insert_rows(
    session: AsyncSession,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    skip_conflicts_on: str | None = None,
    returning: str | None = None,
) -> list[Any]:
    """Insert `rows` (dicts with the same keys) into `table`; returns the `returning` column's values."""
    if not rows:
        return []
    names = list(rows[0])
    arrays = ", ".join(f"cast(:{name} as {_array_type(table.c[name])})" for name in names)
    sql = f"insert into {table.name} ({', '.join(names)}) select * from unnest({arrays})"
    if skip_conflicts_on:
        sql += f" on conflict ({skip_conflicts_on}) do nothing"
    if returning:
        sql += f" returning {returning}"
    result = await session.execute(sa.text(sql), {name: [row[name] for row in rows] for name in names})
    return list(result.scalars()) if returning else []
