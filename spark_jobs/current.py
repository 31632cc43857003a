"""Silver tables that hold the current version of each source row (当前状态表).

card_application, card_batch, card_writeback and bank_account are rebuilt on every run from
all accepted candidates (the newest version of each source key up to the logical date) and
replace the whole table in one commit. Sorted rows and stable ciphertexts make a rerun of the
same date write identical content.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from spark_jobs.ciphers import stable_ciphers
from yikatong import lake

__all__ = ["write"]


def write(dataset: str, rows: pa.Table, key: list[str], ciphers: Mapping[str, str] | None = None) -> pa.Table:
    """Replace ``silver.<dataset>`` by ``rows`` sorted by ``key``; returns what was written."""
    uri = lake.table_uri(f"silver.{dataset}")
    table = stable_ciphers(rows, uri, ciphers) if ciphers else rows
    table = table.sort_by([(k, "ascending") for k in key])
    lake.overwrite(uri, table, partition_by=[])
    return table
