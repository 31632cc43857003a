"""What every silver job shares (公共作业工具): bronze reads, check columns, PII protection, lineage, run.

A silver job is three steps (see ``run``): ``build`` turns bronze into one candidate row per
source row, with check columns computed while the plaintext is still there and the plaintext
then replaced by token / ciphertext / mask; the dataset's contract (``contracts.runner.enforce``)
quarantines failing rows; ``finish`` assembles and writes silver from the accepted rows. Workers
get the driver's keys in their closures, so every executor tokenises with the same key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa

from pipeline.routes import route
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "PERSON_CHECKS",
    "RunResult",
    "bronze",
    "latest",
    "person_record_candidates",
    "protect",
    "run",
    "to_arrow",
    "with_id_check",
    "with_lineage",
    "with_text_check",
]

log = logging.getLogger(__name__)
ORDER = ("aae036", "_logical_date")


# ---------- reading bronze


def bronze(
    spark: SparkSession, route_id: str, ds: date | None = None, batch: date | None = None
) -> DataFrame:
    """The route's bronze table (all batches, those up to logical date ``ds``, or only ``batch``'s).

    Bronze is append-only history: use :func:`latest` for the newest version of each source row.
    ``batch`` reads only that logical date's partition files.
    """
    from pyspark.sql import functions as F

    r = route(route_id)
    uri = lake.table_uri(r.bronze)
    if not lake.exists(uri):
        raise FileNotFoundError(
            f"bronze 表 {r.bronze} 不存在，请先抽取 / bronze table missing: ingest {route_id}"
        )
    if batch is not None:
        return lake.spark_read(spark, uri, partitions={"_logical_date": batch})
    df = lake.spark_read(spark, uri)
    return df if ds is None else df.where(F.col("_logical_date") <= F.lit(ds))


def latest(df: DataFrame, keys: list[str], order: tuple[str, ...] = ORDER) -> DataFrame:
    """The newest version of each key: greatest ``order`` columns (those present), then a row hash.

    The hash over every column breaks exact ties the same way on every run.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    present = [c for c in order if c in df.columns]
    ranking = [F.col(c).desc_nulls_last() for c in present]
    ranking.append(F.xxhash64(*[F.col(c) for c in df.columns]).desc())
    window = Window.partitionBy(*keys).orderBy(*ranking)
    return df.withColumn("_rank", F.row_number().over(window)).where("_rank = 1").drop("_rank")


# ---------- check columns (computed on plaintext, before it is protected)


def with_id_check(df: DataFrame, column: str, out: str = "_id_check", today: date | None = None) -> DataFrame:
    """``out`` = the GB 11643 verdict of ``column`` (``ok``, ``bad_check_digit`` …; ``null`` if empty)."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("string")
    def verdict(numbers):  # pandas Series → Series, one Python call per batch
        from yikatong.ids import check_id

        return numbers.map(lambda n: "null" if n is None or not str(n).strip() else check_id(n, today).code)

    return df.withColumn(out, verdict(df[column]))


def with_text_check(df: DataFrame, columns: list[str], out: str = "_text_ok") -> DataFrame:
    """``out`` = False when any of ``columns`` looks garbled (乱码, see :mod:`spark_jobs.text_quality`)."""
    from pyspark.sql import functions as F
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("boolean")
    def clean(values):
        from spark_jobs.text_quality import looks_garbled

        return ~values.map(looks_garbled).astype(bool)

    checks = [clean(F.col(c)) for c in columns]
    combined = checks[0]
    for check in checks[1:]:
        combined = combined & check
    return df.withColumn(out, combined)


# ---------- protecting personal data


def protect(df: DataFrame, columns: dict[str, str], keep_cipher: set[str] | None = None) -> DataFrame:
    """Replace each plaintext column ``c`` (kind ``columns[c]``) by ``c_token``, ``c_cipher``, ``c_masked``.

    ``c_cipher`` (SM4-GCM, ~100k values/s) is made only for columns in ``keep_cipher`` (default:
    all); the token (HMAC-SM3 blind index) and the mask always. One Arrow pass per batch.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    ciphered = set(columns) if keep_cipher is None else set(keep_cipher) & set(columns)
    added = _protected_names(columns, ciphered)
    schema = StructType(
        [f for f in df.schema.fields if f.name not in columns] + [StructField(n, StringType()) for n in added]
    )
    return df.mapInArrow(_protector_fn(dict(columns), ciphered), schema)


def _protected_names(columns: dict[str, str], ciphered: set[str]) -> list[str]:
    names = []
    for column in columns:
        names += [
            f"{column}_token",
            *([f"{column}_cipher"] if column in ciphered else []),
            f"{column}_masked",
        ]
    return names


def _protector_fn(
    columns: dict[str, str], ciphered: set[str]
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The per-batch function, closing over the driver's key settings (not the worker's env)."""
    from yikatong.settings import get_settings

    s = get_settings()
    keys = (s.token_key, s.sm4_keys, s.sm4_active_key)

    def protect_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        guard = _worker_protector(*keys)
        for batch in batches:
            yield _protect_batch(guard, batch, columns, ciphered)

    return protect_batches


def _worker_protector(token_key: str, sm4_keys: str, active: str | None):
    from yikatong.crypto import KeyRing
    from yikatong.pii import PiiProtector

    return PiiProtector(bytes.fromhex(token_key), KeyRing.from_spec(sm4_keys, active))


def _protect_batch(
    guard, batch: pa.RecordBatch, columns: dict[str, str], ciphered: set[str]
) -> pa.RecordBatch:
    from yikatong.pii import masks

    names = [n for n in batch.schema.names if n not in columns]
    arrays = [batch.column(n) for n in names]
    for column, kind in columns.items():
        values = batch.column(column).to_pylist()
        arrays.append(pa.array(guard.tokens(values, kind), pa.string()))
        names.append(f"{column}_token")
        if column in ciphered:
            arrays.append(
                pa.array([None if v is None else guard.encrypt(v, kind) for v in values], pa.string())
            )
            names.append(f"{column}_cipher")
        arrays.append(pa.array(masks(values, kind), pa.string()))
        names.append(f"{column}_masked")
    return pa.RecordBatch.from_arrays(arrays, names=names)


# ---------- lineage


def with_lineage(df: DataFrame, source_table: str, keys: list[str]) -> DataFrame:
    """``_source_table``, ``_source_key`` (key values joined by ``|``) and ``_row_id`` = ``table:key``."""
    from pyspark.sql import functions as F

    key = F.concat_ws("|", *[F.coalesce(F.col(k).cast("string"), F.lit("")) for k in keys])
    return (
        df.withColumn("_source_table", F.lit(source_table))
        .withColumn("_source_key", key)
        .withColumn("_row_id", F.concat(F.lit(source_table + ":"), F.col("_source_key")))
    )


# ---------- records of a person in the business database


PERSON_CHECKS = ["_id_check", "_name_ok", "_text_ok"]


def person_record_candidates(
    rows: DataFrame,
    names: DataFrame,
    ds: date,
    *,
    personal: dict[str, str],
    renamed: dict[str, str],
    text: list[str],
    source_table: str,
    key: str,
) -> DataFrame:
    """Candidates of a 社保业务库 record about a person (经办业务, 医保结算 …), one per bronze row.

    The 证件号码 ``aac002`` gets its document verdict, the 姓名 ``aac003`` is compared with the
    person master data (``names``, see :func:`spark_jobs.checks.person_names`), ``text`` columns
    are checked for garbling; then the ``personal`` columns become tokens and masks (no ciphertext:
    the record needs none), the ``renamed`` columns (source → silver) are kept with
    :data:`PERSON_CHECKS` and the lineage, keyed by the renamed ``key``.
    """
    from pyspark.sql import functions as F

    from spark_jobs.batches import LINEAGE
    from spark_jobs.checks import with_document_check, with_name_check

    checked = with_name_check(with_document_check(rows, "aac002", today=ds), names, "aac002", "aac003")
    protected = protect(with_text_check(checked, text), personal, keep_cipher=set())
    conformed = protected.select(
        *(F.col(old).alias(new) for old, new in renamed.items()), *PERSON_CHECKS, "_batch_id", "_logical_date"
    )
    return with_lineage(conformed, source_table, [key]).select(*renamed.values(), *PERSON_CHECKS, *LINEAGE)


# ---------- running a job


@dataclass(frozen=True)
class RunResult:
    """One job run: rows in (candidates), accepted, quarantined (failing rows), wall seconds by step."""

    dataset: str
    logical_date: date
    rows_in: int
    accepted: int
    quarantined: int
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)


def to_arrow(df: DataFrame) -> pa.Table:
    """A (small enough) DataFrame collected as Arrow, times in UTC."""
    return df.toArrow()


def materialise(df: DataFrame) -> DataFrame:
    """``df`` computed once and kept (memory, spilling to disk) as Spark's own rows.

    A local checkpoint stores the rows as computed; the columnar cache of ``persist`` would
    first compress every string column, which took three times as long as computing them.
    Free it with :func:`release`.
    """
    return df.localCheckpoint(eager=True)


def release(df: DataFrame) -> None:
    """Drop the rows kept by :func:`materialise` now rather than at the JVM's next GC."""
    plan = df._jdf.queryExecution().logical()  # a LogicalRDD over the checkpointed rows
    if plan.getClass().getSimpleName() == "LogicalRDD":
        plan.rdd().unpersist(False)


def run(
    dataset: str,
    ds: date,
    build: Callable[[SparkSession, date], DataFrame],
    finish: Callable[[SparkSession, DataFrame, date], object],
    spark: SparkSession | None = None,
) -> RunResult:
    """build → contract → finish for one logical date, with the time of each step logged.

    The candidates stay in Spark (kept in memory, spilling to disk) for the contract and ``finish``,
    which receives the accepted ones as a DataFrame: the job's size never has to fit the driver.
    """
    from contracts.runner import enforce

    spark = spark or lake.spark_session(f"ykt-silver-{dataset}")
    steps: dict[str, float] = {}
    started = time.perf_counter()
    candidates = materialise(build(spark, ds))
    try:
        rows_in = candidates.count()
        steps["build"] = time.perf_counter() - started
        outcome = enforce(dataset, candidates, ds, total=rows_in)
        steps["contract"] = time.perf_counter() - started - steps["build"]
        finish(spark, outcome.accepted, ds)
    finally:
        release(candidates)
    total = time.perf_counter() - started
    steps["finish"] = total - steps["build"] - steps["contract"]
    accepted = rows_in - outcome.failed_rows
    result = RunResult(dataset, ds, rows_in, accepted, outcome.failed_rows, total, steps)
    log.info("silver.%s %s: %s", dataset, ds, result)
    return result
