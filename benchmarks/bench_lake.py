"""Benchmark of Delta writes through ``yikatong.lake`` against a plain parquet write.

Run with ``.venv/bin/python -m benchmarks.bench_lake``. 2,000,000 card-issuance rows × 8 columns
(the shape of a silver fact: ids, an SM3 token, codes, a decimal fee, a UTC timestamp, the
logical date) are written by: ``pyarrow.parquet.write_table`` (the baseline), ``lake.append``,
``lake.replace_partition`` (replacing the day's 2M rows of an existing table, i.e. a rerun),
Spark's own parquet write, ``lake.spark_write`` (that parquet write as a stage plus the
delta-rs commit, which rewrites the rows into the table), and that commit alone from a stage
written once beforehand. One warm-up round, then 3 interleaved rounds; medians, min and max in
seconds. Ratios are against the baseline from the same rounds, as BENCHMARKS.md asks, because
this 2-core machine is shared. Results go to ``benchmarks/results/lake.json``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._report import clocked, interleaved, write
from yikatong import lake

ROWS = 2_000_000
RUNS = 3
DAY = dt.date(2026, 1, 1)
REGIONS = ["511102", "511111", "511112", "511113", "511123", "511124", "511126", "511129", "511132"]
STATUSES = ["issued", "activated", "lost", "reissued", "cancelled"]


def issuances(count: int) -> pa.Table:
    """``count`` card issuances (制卡) of one logical date, deterministic (seeded)."""
    rng = np.random.default_rng(20261128)
    ids = np.arange(count, dtype=np.int64)
    return pa.table(
        {
            "card_id": ids,
            "person_token": hex_tokens(rng, count),
            "region_code": pa.array(np.array(REGIONS)[rng.integers(0, len(REGIONS), count)]),
            "card_status": pa.array(np.array(STATUSES)[rng.integers(0, len(STATUSES), count)]),
            "fee": pa.array(rng.integers(0, 5000, count), pa.int32()).cast(pa.decimal128(12, 2)),
            "issued_at": pa.array(1_767_225_600_000_000 + ids * 40_000, pa.timestamp("us", tz="UTC")),
            "bank_code": pa.array(rng.integers(100, 999, count), pa.int32()),
            "ds": pa.array([DAY] * count, pa.date32()),
        }
    )


def hex_tokens(rng: np.random.Generator, count: int) -> pa.Array:
    """64-hex-character tokens shaped like SM3-HMAC blind indexes, built without a Python loop."""
    raw = rng.integers(0, 256, size=(count, 32), dtype=np.uint8)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    text = np.empty((count, 64), dtype=np.uint8)
    text[:, 0::2], text[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    offsets = np.arange(0, 64 * (count + 1), 64, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))


def workloads(table: pa.Table, spark_frame: object, scratch: Path) -> dict[str, Callable[[], object]]:
    """name → work; each call writes to a fresh directory so runs do not grow a table."""
    counter = iter(range(1_000_000))

    def fresh(name: str) -> str:
        return str(scratch / f"{name}-{next(counter)}")

    replace_target, stage = fresh("replace"), fresh("stage")
    lake.append(replace_target, table, partition_by=["ds"])
    spark_frame.write.parquet(stage)
    return {
        "parquet_baseline": lambda: pq.write_table(table, fresh("baseline") + ".parquet"),
        "delta_append": lambda: lake.append(fresh("append"), table),
        "delta_replace_partition": lambda: lake.replace_partition(replace_target, table, {"ds": DAY}),
        "spark_parquet_only": lambda: spark_frame.write.parquet(fresh("spark-parquet")),
        "spark_write_through_stage": lambda: lake.spark_write(spark_frame, fresh("spark-delta")),
        "delta_commit_of_a_stage": lambda: lake.append(
            fresh("commit"), lake._stage_reader(spark_frame, stage)
        ),
    }


def measure(works: dict[str, Callable[[], object]]) -> dict[str, dict]:
    """One warm-up round, then RUNS rounds with the workloads interleaved (A B C A B C …)."""
    return interleaved(RUNS, {name: _seconds_of(work) for name, work in works.items()})


def _seconds_of(work: Callable[[], object]) -> Callable[[], float]:
    return lambda: clocked(work)[0]


def summarise(figures: dict[str, dict]) -> tuple[dict, dict]:
    """Figures (median/min/max seconds, rows/s) and the ratios against the parquet baseline."""
    figures = {
        name: figure | {"rows_per_s": round(ROWS / figure["median_s"])} for name, figure in figures.items()
    }
    base = figures["parquet_baseline"]["median_s"]
    ratios = {f"{name}_vs_parquet": figure["median_s"] / base for name, figure in figures.items()}
    ratios.pop("parquet_baseline_vs_parquet")
    spark = figures["spark_parquet_only"]["median_s"]
    ratios["spark_write_through_stage_vs_spark_parquet"] = (
        figures["spark_write_through_stage"]["median_s"] / spark
    )
    return figures, ratios


def run() -> dict:
    """Build the data and a Spark session, measure, and return the result document."""
    table = issuances(ROWS)
    started = time.perf_counter()
    spark = lake.spark_session("bench-lake")
    session_start_s = time.perf_counter() - started
    # createDataFrame makes one partition per 10k-row Arrow batch (200 here), hence 200 files per
    # write; a job's output has a few partitions, so the frame gets one per core.
    frame = spark.createDataFrame(table).coalesce(2).cache()
    frame.count()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as scratch:
        seconds = measure(workloads(table, frame, Path(scratch)))
    spark.stop()
    figures, ratios = summarise(seconds)
    return {
        "loadavg_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "versions": {p: importlib.metadata.version(p) for p in ("deltalake", "pyspark", "pyarrow")},
        "rows": ROWS,
        "columns": table.num_columns,
        "arrow_mb": round(table.nbytes / 1e6, 1),
        "runs": RUNS,
        "spark_session_start_s": session_start_s,
        "figures": figures,
        "ratios": ratios,
    }


def print_table(result: dict) -> None:
    print(
        f"lake benchmark — {result['rows']:,} rows × {result['columns']} columns "
        f"({result['arrow_mb']} MB in Arrow), median of {result['runs']}, nproc {os.cpu_count()}"
    )
    print(f"{'figure':<28}{'median s':>10}{'min s':>9}{'max s':>9}{'rows/s':>13}")
    for name, figure in result["figures"].items():
        print(
            f"{name:<28}{figure['median_s']:>10.2f}{figure['min_s']:>9.2f}{figure['max_s']:>9.2f}"
            f"{figure['rows_per_s']:>13,.0f}"
        )
    for name, value in result["ratios"].items():
        print(f"{name:<40}{value:>8.2f}")
    print(f"spark session start {result['spark_session_start_s']:.1f} s")


def main() -> None:
    result = run()
    print_table(result)
    figures = result.pop("figures")
    print(f"written to {write('lake', '.venv/bin/python -m benchmarks.bench_lake', figures, **result)}")


if __name__ == "__main__":
    main()
