"""Silver kept per batch (按批次留存的规范化数据): the shape of the business, event and directory datasets.

Each logical date's batch of a route becomes that date's candidates (one per bronze row of the
batch); the accepted ones are written to ``silver.<dataset>`` as the batch's rows, replacing
exactly the rows of that logical date (``_logical_date`` = the batch's date) in one Delta commit.
A rerun of a date therefore gives identical tables, every silver row keeps its lineage
(``_source_table``, ``_source_key``, ``_batch_id``) for reconciliation, and a later version of a
source row (a changed 参保状态) is a row of a later batch: :func:`current` reads the newest
version of each key, which is what the analytics database receives.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from spark_jobs.common import bronze
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["LINEAGE", "PER_BATCH", "batch_rows", "current", "parse_ds", "silver_uri", "write_batch"]

LINEAGE = ["_source_table", "_source_key", "_row_id", "_batch_id", "_logical_date"]
# the silver datasets kept this way: every accepted candidate is a silver row of its batch's date
PER_BATCH = frozenset(
    {"insurance_enrolment", "benefit_payment", "medical_settlement", "business_transaction", "card_use_event",
     "directory"}
)  # fmt: skip


def silver_uri(dataset: str) -> str:
    return lake.table_uri(f"silver.{dataset}")


def batch_rows(spark: SparkSession, route_id: str, ds: date) -> DataFrame:
    """The bronze rows of one route's batch for logical date ``ds`` (its candidates).

    Only the files of that ``_logical_date`` partition are read (bronze keeps every day's batch).
    """
    return bronze(spark, route_id, batch=ds).drop("_ingested_at")


def write_batch(
    dataset: str, accepted: DataFrame | pa.Table, ds: date, partition_by: list[str] | None = None
) -> None:
    """Replace the logical date's rows of ``silver.<dataset>`` by the accepted candidates (one commit).

    ``partition_by`` (for a new table) defaults to ``_logical_date``; a table partitioned otherwise
    (card_use_event by event date) still has exactly this batch's rows replaced. A DataFrame is
    written by Spark through a stage that delta-rs commits (it never passes through the driver).
    """
    predicate, partitions = {"_logical_date": ds}, partition_by or ["_logical_date"]
    if isinstance(accepted, pa.Table):
        lake.replace_partition(silver_uri(dataset), accepted, predicate, partition_by=partitions)
    else:
        lake.spark_write(accepted, silver_uri(dataset), "replace_partition", predicate, partitions)


def current(table: pa.Table, keys: list[str], order: tuple[str, ...] = ("_logical_date",)) -> pa.Table:
    """The newest version of each key (greatest ``order``, then ``_row_id``), sorted by key."""
    if not table.num_rows:
        return table
    ranked = table.append_column("_pos", pa.array(range(table.num_rows), pa.int64()))
    ranked = ranked.sort_by([*((c, "descending") for c in order), ("_row_id", "descending")])
    first = ranked.group_by(keys, use_threads=False).aggregate([("_pos", "first")])
    chosen = pc.is_in(ranked["_pos"], value_set=first["_pos_first"])
    return ranked.filter(chosen).drop_columns(["_pos"]).sort_by([(k, "ascending") for k in keys])


def parse_ds(argv: list[str] | None = None) -> date:
    """``--ds YYYY-MM-DD`` from the command line (``python -m spark_jobs.<job> --ds …``)."""
    parser = argparse.ArgumentParser(description="bronze → silver（一个逻辑日期）")
    parser.add_argument("--ds", required=True, type=date.fromisoformat, help="逻辑日期 YYYY-MM-DD")
    return parser.parse_args(sys.argv[1:] if argv is None else argv).ds
