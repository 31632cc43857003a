"""修复日志 (silver.repair_log): source values a written rule repaired instead of quarantining.

One row per repaired source row and column, e.g. a 姓名异写 outvoted by the other systems. The
data-quality reconciliation reads it beside the quarantine: every defective source row is either
quarantined or named here. Each dataset replaces its own partition on every run (rebuilt from
all accepted rows, like silver), so reruns leave identical tables.
"""

from __future__ import annotations

import pyarrow as pa

from yikatong import lake

__all__ = ["SCHEMA", "write"]

SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("_row_id", pa.string()),
        ("_source_table", pa.string()),
        ("_source_key", pa.string()),
        ("column", pa.string()),
        ("rule", pa.string()),
        ("repaired_to", pa.string()),  # the surviving value, masked
    ]
)


def write(dataset: str, repairs: pa.Table) -> None:
    """Replace ``dataset``'s rows of ``silver.repair_log`` with ``repairs`` (sorted, one commit)."""
    rows = repairs.select(SCHEMA.names).cast(SCHEMA).sort_by([(n, "ascending") for n in SCHEMA.names])
    lake.replace_partition(
        lake.table_uri("silver.repair_log"), rows, {"dataset": dataset}, partition_by=["dataset"]
    )
