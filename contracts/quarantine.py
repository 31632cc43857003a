"""The quarantine (隔离区): one row per failing candidate and expectation, with the Chinese reason.

``quarantine.<dataset>`` is partitioned by logical date; each row carries the candidate as JSON
(``row_json``) without its ciphertexts: the token identifies the person, bronze keeps the source
value. Candidates hold no plaintext personal data (jobs protect it before the contract runs).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from yikatong import lake

__all__ = ["QUARANTINE_SCHEMA", "quarantine_rows", "quarantine_uri"]

QUARANTINE_SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("_row_id", pa.string()),
        ("_source_table", pa.string()),
        ("_source_key", pa.string()),
        ("expectation", pa.string()),
        ("column", pa.string()),
        ("reason", pa.string()),
        ("row_json", pa.string()),
        ("_logical_date", pa.date32()),
    ]
)


def quarantine_uri(dataset: str) -> str:
    return lake.table_uri(f"quarantine.{dataset}")


def quarantine_rows(dataset: str, rows: pa.Table, failed: pa.Table, ds: date) -> pa.Table:
    """The quarantine rows of ``failed`` (``_row_id, expectation, column, reason``) over ``rows``."""
    if not failed.num_rows:
        return QUARANTINE_SCHEMA.empty_table()
    bad = rows.filter(pc.is_in(rows["_row_id"], value_set=pc.unique(failed["_row_id"])))
    bad = bad.sort_by("_row_id")  # of duplicated row ids the last shown, as on every run
    shown = bad.drop_columns([c for c in bad.column_names if c.endswith("_cipher") or c.startswith("_dup")])
    records = {r["_row_id"]: r for r in shown.to_pylist()}
    out = []
    for row_id, expectation, column, reason in zip(
        *(failed[c].to_pylist() for c in ("_row_id", "expectation", "column", "reason")), strict=True
    ):
        record = records[row_id]
        out.append(
            {
                "dataset": dataset,
                "_row_id": row_id,
                "_source_table": record["_source_table"],
                "_source_key": record["_source_key"],
                "expectation": expectation,
                "column": column,
                "reason": reason,
                "row_json": json.dumps(record, ensure_ascii=False, sort_keys=True, default=_json_default),
                "_logical_date": ds,
            }
        )
    return pa.Table.from_pylist(out, schema=QUARANTINE_SCHEMA)


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
