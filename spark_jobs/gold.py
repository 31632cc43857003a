"""Gold layer (轨迹汇集库 + 个人画像库) for one logical date, in one Spark session.

``python -m spark_jobs.gold --ds 2026-11-27`` builds ``gold.trajectory_monthly`` then
``gold.portrait`` from silver; ``--load`` also copies both into ``analytics`` as ``raw_gold_*``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs import gold_portrait, gold_trajectory

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)
JOBS = {"trajectory_monthly": gold_trajectory.main, "portrait": gold_portrait.main}


def build(ds: date, spark: SparkSession | None = None) -> dict[str, tuple[int, float]]:
    """Every gold table for ``ds``: rows and seconds per table."""
    from yikatong import lake

    spark = spark or lake.spark_session("ykt-gold")
    done: dict[str, tuple[int, float]] = {}
    for name, job in JOBS.items():
        started = time.perf_counter()
        rows = job(ds, spark)
        done[name] = (rows, time.perf_counter() - started)
        log.info("gold.%s %s: %d rows in %.1fs", name, ds, *done[name])
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spark_jobs.gold", description="silver → gold（一个逻辑日期）"
    )
    parser.add_argument("--ds", required=True, type=date.fromisoformat, help="逻辑日期 YYYY-MM-DD")
    parser.add_argument("--load", action="store_true", help="同时装载到 analytics.raw_gold_*")
    args = parser.parse_args(argv)
    for name, (rows, seconds) in build(args.ds).items():
        print(f"gold.{name} {args.ds}: {rows} 行（{seconds:.1f}s）")
    if args.load:
        from pipeline import gold_load

        for name, rows in gold_load.run(args.ds).items():
            print(f"装载 {name}: {rows} 行")
    return 0


if __name__ == "__main__":
    sys.exit(main())
