"""一卡通服务的表 (silver.ops_<table>): the platform's own kiosk and card data (PostgreSQL ``ops``).

The services already validated these rows (signed kiosk requests, schemas, region scope), so the
silver step does not re-conform them: ``silver.ops_<table>`` is the newest version of each source
row up to the logical date (greatest watermark, then batch date; a snapshot route: its newest
batch, so rows deleted at the source leave silver), with secrets dropped (the ``*_cipher``
ciphertexts and the kiosk's ``credential``) — personal data stays as the services keep it, tokens
and masks only. The contract (:mod:`contracts.ops`) checks keys and region codes; the table is
replaced whole, sorted by key (a rerun of a date writes identical content), and the accepted
candidates are recorded for reconciliation. Each ``spark_jobs/ops_<table>.py`` is one such job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pipeline.routes import Route, route
from spark_jobs import current
from spark_jobs.common import RunResult, bronze, latest, run, to_arrow, with_lineage
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)
SECRETS = frozenset({"credential"})  # the kiosk's signing secret (SM4 ciphertext) stays in bronze
BRONZE_ONLY = ("_ingested_at", "_source")


def kept(columns: list[str]) -> list[str]:
    """The columns silver keeps: no ciphertext, no secret, no bronze-only lineage."""
    return [c for c in columns if not c.endswith("_cipher") and c not in SECRETS and c not in BRONZE_ONLY]


@dataclass(frozen=True, slots=True)
class OpsJob:
    """The silver job of one ops table (its route is ``ops.<table>``)."""

    table: str

    @property
    def dataset(self) -> str:
        return f"ops_{self.table}"

    @property
    def route(self) -> Route:
        return route(f"ops.{self.table}")

    @property
    def keys(self) -> list[str]:
        return [k.lower() for k in self.route.key]

    def build(self, spark: SparkSession, ds: date) -> DataFrame:
        """One candidate per source key: its newest version up to ``ds``, secrets dropped, with lineage."""
        from pyspark.sql import functions as F

        rows = bronze(spark, self.route.route_id, ds)
        if self.route.mode == "snapshot":
            newest = rows.agg(F.max("_logical_date")).first()[0]
            rows = rows.where(F.col("_logical_date") == F.lit(newest))
        order = (
            (self.route.watermark.lower(), "_logical_date") if self.route.watermark else ("_logical_date",)
        )
        newest_versions = latest(rows, self.keys, order)
        return with_lineage(newest_versions.select(*kept(rows.columns)), self.table, self.keys)

    def finish(self, spark: SparkSession, accepted: DataFrame, ds: date) -> None:
        """Replace ``silver.ops_<table>`` and record the accepted candidates (for reconciliation)."""
        from pipeline import reconcile

        table = current.write(self.dataset, to_arrow(accepted), self.keys)
        reconcile.record_accepted(self.dataset, table.select(["_source_table", "_source_key"]), ds)

    def main(self, ds: date, spark: SparkSession | None = None) -> RunResult:
        """build → contract → finish; nothing to do (logged) while the route has no bronze table yet."""
        if not lake.exists(lake.table_uri(self.route.bronze)):
            log.warning("跳过 silver.%s %s：%s 尚无数据（ops 库未迁移）", self.dataset, ds, self.route.bronze)
            return RunResult(self.dataset, ds, 0, 0, 0, 0.0)
        return run(self.dataset, ds, self.build, self.finish, spark)


def job(table: str) -> OpsJob:
    return OpsJob(table)
