"""名录 (directories from the municipal exchange 市共享交换平台) → ``silver.directory``.

Hospitals (医疗机构), pharmacies (药品零售企业), scenic spots (旅游景区), public libraries (公共图书馆)
and bank outlets (银行业金融机构网点) arrive as files in each department's own columns; bronze keeps
one row per record with the record as JSON. ``spark_jobs/reference/directories.csv`` maps each
dataset's columns onto one shape: dataset, code, name, kind, county_code, township_code, address,
phone (an institution's phone is not personal data) and the source department; columns the shape
has no place for stay in ``attributes`` (JSON: bank, ticket price, …). Each delivery is a whole
directory: the current directory of a dataset is its newest delivery (:func:`current`).
Run: ``python -m spark_jobs.directory --ds 2026-11-27``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from spark_jobs.batches import LINEAGE, batch_rows, parse_ds, write_batch
from spark_jobs.common import RunResult, run, with_lineage, with_text_check

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DATASET = "directory"
ROUTE = "exchange.directories"
SOURCE_TABLE = "directories"
MAPPING = Path(__file__).with_name("reference") / "directories.csv"
FIELDS = ["code", "name", "county_code", "township_code", "address", "phone"]
COLUMNS = ["dataset", "code", "name", "kind", "county_code", "township_code", "address", "phone",
           "department_code", "department", "attributes", "source_file", "row_no"]  # fmt: skip
CHECKS = ["_text_ok", "_township_in_county"]


def mapping_table() -> pa.Table:
    """The column mapping per dataset (empty cell: the dataset has no such column)."""
    text = pa_csv.ConvertOptions(column_types={name: pa.string() for name in ["dataset", "kind", *FIELDS]})
    table = pa_csv.read_csv(MAPPING, convert_options=text)
    return table.rename_columns([f"_m_{name}" for name in table.column_names])


def transform(records: DataFrame, mapping: DataFrame) -> DataFrame:
    """One row per record in the common shape, with the garbling and township checks."""
    from pyspark.sql import functions as F

    parsed = records.withColumn("_rec", F.from_json("record", "map<string,string>"))
    joined = parsed.join(F.broadcast(mapping), F.col("dataset") == F.col("_m_dataset"), "left")
    mapped = [F.col(f"_m_{name}") for name in FIELDS]
    picked = joined.select(
        "*",
        *(F.nullif(F.trim(F.col("_rec")[F.col(f"_m_{name}")]), F.lit("")).alias(name) for name in FIELDS),
        F.to_json(F.map_filter("_rec", lambda k, _v: ~F.array_contains(F.array(*mapped), k))).alias(
            "attributes"
        ),
        F.col("_m_kind").alias("kind"),
        F.col("_m_department").alias("department"),
        F.col("file_name").alias("source_file"),
    )
    inside = F.col("township_code").isNull() | F.col("township_code").startswith(F.col("county_code"))
    checked = with_text_check(picked.withColumn("_township_in_county", inside), ["name", "address"])
    return with_lineage(checked, SOURCE_TABLE, ["file_name", "row_no"]).select(*COLUMNS, *CHECKS, *LINEAGE)


def build(spark: SparkSession, ds: date) -> DataFrame:
    return transform(batch_rows(spark, ROUTE, ds), spark.createDataFrame(mapping_table()))


def finish(_spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    write_batch(DATASET, accepted, ds)


def current(table: pa.Table) -> pa.Table:
    """The current directories: every dataset's rows from its newest delivery (logical date)."""
    if not table.num_rows:
        return table
    newest = table.group_by("dataset").aggregate([("_logical_date", "max")])
    keep = table.join(newest, "dataset").filter(
        pc.equal(pc.field("_logical_date"), pc.field("_logical_date_max"))
    )
    return keep.drop_columns(["_logical_date_max"]).sort_by([("dataset", "ascending"), ("code", "ascending")])


def main(ds: date | None = None, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds or parse_ds(), build, finish, spark)


if __name__ == "__main__":
    print(main())
