"""列的来源：湖中表的结构，源库表的列注释与少量样本值（供敏感级别建议）。

Reading only: a lake table's schema through delta-rs, a source table's columns and comments from
PostgreSQL's catalog and its first rows (at most ``SAMPLE_ROWS``) cast to text.
"""

from __future__ import annotations

import logging

import pyarrow as pa

from services.catalog import classify

SAMPLE_ROWS = 200
log = logging.getLogger(__name__)


def lake_columns(name: str) -> list[dict]:
    """A lake table's columns (names and types) when the table exists; [] otherwise."""
    from deltalake import DeltaTable

    from yikatong import lake

    uri = lake.table_uri(name)
    if not lake.exists(uri):
        return []
    schema = pa.schema(DeltaTable(uri).schema())
    return [classify.describe_column(f.name, str(f.type)) for f in schema if not f.name.startswith("_")]


_COLUMNS_SQL = """
select a.attname, format_type(a.atttypid, a.atttypmod), coalesce(col_description(c.oid, a.attnum), ''),
       coalesce(obj_description(c.oid, 'pg_class'), '')
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
where c.relname = %s and n.nspname = 'public' and a.attnum > 0 and not a.attisdropped order by a.attnum
"""


def source_table(database: str, table: str) -> tuple[str, list[dict]]:
    """(table comment, columns with comments and classified sample values) of a source table."""
    import psycopg
    from psycopg import sql

    from yikatong import db

    try:
        with psycopg.connect(db.dsn(database), connect_timeout=5) as conn:
            found = conn.execute(_COLUMNS_SQL, (table.lower(),)).fetchall()
            if not found:
                return "", []
            names = [row[0] for row in found]
            query = sql.SQL("select {} from {} limit {}").format(
                sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(n)) for n in names),
                sql.Identifier(table.lower()),
                sql.Literal(SAMPLE_ROWS),
            )
            samples = conn.execute(query).fetchall()
    except psycopg.OperationalError:
        log.info("源库 %s 不可用，%s 仅按声明登记", database, table)
        return "", []
    columns = [
        classify.describe_column(name, type_, comment, [row[i] for row in samples])
        for i, (name, type_, comment, _) in enumerate(found)
    ]
    return found[0][3], columns
