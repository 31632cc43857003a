"""社保卡申领 (silver.card_application): each application and its making-progress timeline (制卡进度).

One row per 申领编号 (SQID) of 卡管 ``kgl_apply``: who applied (token, masked), where (人员申请制卡地),
through which channel (申请渠道), for what (业务类型 申领 / 补卡 / 换卡), the review (审核状态, 意见),
and the time of each stage — 申请 → 银行开户 → 省级制卡 → 市级接收 → 发往网点 → 领卡 — with the
batch (批次号), the box position (装箱位置), the card made, the current stage and the hours each
stage took. The contract wants the stage times in order and none after the logical date.
"""

from __future__ import annotations

import argparse
import itertools
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs import current
from spark_jobs.checks import with_document_check
from spark_jobs.common import RunResult, bronze, latest, protect, run, to_arrow, with_lineage
from spark_jobs.conform import code_names, decode, shape, timestamp, with_missing

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

DATASET = "card_application"
STAGES = {  # stage time column → the stage reached (进度)
    "applied_at": "已申请", "bank_opened_at": "银行已开户", "province_made_at": "省级已制卡",
    "city_received_at": "市级已接收", "sent_to_outlet_at": "已发往网点", "picked_up_at": "已领卡",
}  # fmt: skip
SOURCE_TIMES = {
    "applied_at": "applytime", "bank_opened_at": "banktime", "province_made_at": "provincetime",
    "city_received_at": "citytime", "sent_to_outlet_at": "citysendtime", "picked_up_at": "gettime",
    "reviewed_at": "shsj", "changed_at": "aae036",
}  # fmt: skip
TEXT = {
    "application_id": "sqid", "id": "aac002", "doc_type": "aac058", "name": "aac003", "region_code": "aab301",
    "review_reason": "shyj", "bank_code": "aae008", "batch_no": "batchno", "box_position": "zxwz",
    "card_no": "aaz500", "pickup_outlet_code": "lkwdbm", "pickup_address": "citysendaddr",
}  # fmt: skip
REQUIRED = ["application_id", "id", "name", "business_type", "channel", "applied_at", "review_state"]
CODES = {"business_type": ("ywlx", "YWLX"), "channel": ("sqqd", "SQQD"), "review_state": ("shzt", "SHZT")}
PERMITS = ("03", "07")  # 港澳居民来往内地通行证, 台湾居民来往大陆通行证: no check character
PERSON_REGISTRIES = ("insurance.qmcb_person", "holder.cyk_holder")
COLUMNS = [  # silver.card_application, one row per application
    "application_id", "id_token", "id_masked", "name_token", "name_masked", "doc_type", "region_code",
    "business_type", "channel", "review_state", "reviewed_at", "review_reason", "current_stage", "applied_at",
    "bank_opened_at", "province_made_at", "city_received_at", "sent_to_outlet_at", "picked_up_at",
    "hours_to_bank_opened", "hours_to_province_made", "hours_to_city_received", "hours_to_sent_to_outlet",
    "hours_to_picked_up", "hours_total", "bank_code", "batch_no", "box_position", "card_no",
    "pickup_outlet_code", "pickup_address", "changed_at", "_source_table", "_source_key", "_row_id",
]  # fmt: skip


def conform(df: DataFrame, codes: dict[str, dict[str, str]]) -> DataFrame:
    """kgl_apply → candidate columns (codes decoded through kgl_code, times as timestamps)."""
    values = dict(TEXT) | {name: timestamp(column) for name, column in SOURCE_TIMES.items()}
    values |= {name: decode(column, codes[name]) for name, (column, _) in CODES.items()}
    schema = dict.fromkeys(TEXT, "string") | dict.fromkeys(CODES, "string")
    schema |= dict.fromkeys(SOURCE_TIMES, "timestamp")
    return shape(df, schema, values)


def stages_ordered() -> Column:
    """Each stage time, when known, is no earlier than every earlier known one (nulls are skipped)."""
    from pyspark.sql import functions as F

    names = list(STAGES)
    verdict = F.lit(True)
    for i, stage in enumerate(names[1:], start=1):
        earlier = [F.col(a) for a in names[:i]]
        latest_before = earlier[0] if len(earlier) == 1 else F.greatest(*earlier)
        verdict = verdict & F.coalesce(F.col(stage) >= latest_before, F.lit(True))
    return verdict


def progress(df: DataFrame) -> DataFrame:
    """``current_stage`` (审核不通过 ends the flow) and the hours each stage took."""
    from pyspark.sql import functions as F

    reached = F.lit("待审核")
    for column, stage in STAGES.items():
        reached = F.when(F.col(column).isNotNull(), F.lit(stage)).otherwise(reached)
    stage = F.when(F.col("review_state") == "审核不通过", F.lit("审核不通过")).otherwise(reached)
    names = list(STAGES)
    hours = {f"hours_to_{b.removesuffix('_at')}": _hours(a, b) for a, b in itertools.pairwise(names)}
    hours["hours_total"] = _hours("applied_at", "picked_up_at")
    return df.withColumn("current_stage", stage).withColumns(hours)


def _hours(start: str, end: str) -> Column:
    from pyspark.sql import functions as F

    seconds = F.unix_micros(F.col(end)) - F.unix_micros(F.col(start))
    return F.round(seconds / F.lit(3_600_000_000.0), 2)


def transform(
    apply: DataFrame, codes: dict[str, dict[str, str]], registry: DataFrame, today: date
) -> DataFrame:
    rows = with_missing(conform(apply, codes), REQUIRED).withColumn("_stages_ordered", stages_ordered())
    rows = with_document_check(with_lineage(rows, "kgl_apply", ["application_id"]), "id", today=today)
    rows = with_known_permit(rows, registry)
    return progress(protect(rows, {"id": "id_number", "name": "name"}, keep_cipher=set()))


def with_known_permit(rows: DataFrame, registry: DataFrame) -> DataFrame:
    """``_permit_known``: a 港澳 / 台湾 permit number (no check character to verify) is one a person
    registry holds; other documents are verified by their own rules (``_id_check``)."""
    from pyspark.sql import functions as F

    known = registry.select(F.upper(F.trim("number")).alias("_known")).distinct()
    joined = rows.join(known, F.upper(F.trim(F.col("id"))) == F.col("_known"), "left")
    verdict = ~F.coalesce(F.col("doc_type").isin(*PERMITS), F.lit(False)) | F.col("_known").isNotNull()
    return joined.withColumn("_permit_known", verdict).drop("_known")


def registry_numbers(spark: SparkSession, ds: date) -> DataFrame:
    """Document numbers of 全民参保库 and 持卡库 (``number``), all versions up to ``ds``."""
    frames = [bronze(spark, r, ds).selectExpr("aac002 as number") for r in PERSON_REGISTRIES]
    return frames[0].unionByName(frames[1])


def build(spark: SparkSession, ds: date) -> DataFrame:
    apply = latest(bronze(spark, "card_system.kgl_apply", ds), ["sqid"])
    codes = {name: code_names(spark, "card_system.kgl_code", ds, kind) for name, (_, kind) in CODES.items()}
    return transform(apply, codes, registry_numbers(spark, ds), ds)


def finish(spark: SparkSession, accepted: DataFrame, ds: date) -> None:
    current.write(DATASET, to_arrow(accepted.select(COLUMNS)), ["application_id"])


def main(ds: date, spark: SparkSession | None = None) -> RunResult:
    return run(DATASET, ds, build, finish, spark)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="silver.card_application 社保卡申领与制卡进度")
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    print(main(parser.parse_args().ds))
