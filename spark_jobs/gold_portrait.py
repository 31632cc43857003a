"""个人画像库 (portrait store, seed 5.4): silver → ``gold.portrait``, one row per person token.

Tags: age band (年龄段), sex, county (常住区县), insured types (参保险种), active channels and
scenarios used in the last 90 days (活跃渠道, 使用场景), benefit types received (待遇类别), and
risk flags for the precision service (精准服务):

- ``card_uncollected_30d`` — a card made (省级制卡) more than 30 days before the date and not
  picked up (未领卡);
- ``pension_without_active_card`` — paid a pension (养老待遇) without a current card in state 正常;
- ``card_expiring_90d`` — a current 正常 card whose validity (有效期至) ends within 90 days.

The state as of the logical date: a rerun of the date writes identical rows. Tokens, codes and
masks only. List tags are sorted and joined by ``,`` so the analytics copy stays plain text.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.common import latest
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

TABLE = "gold.portrait"
PENSION_TYPES = ("110", "120", "170")  # 企业职工 / 机关事业 / 城乡居民 养老
UNCOLLECTED_DAYS, EXPIRING_DAYS, ACTIVE_DAYS = 30, 90, 90
AGE_BANDS = ((0, 18, "0-17"), (18, 35, "18-34"), (35, 50, "35-49"), (50, 60, "50-59"), (60, 70, "60-69"),
             (70, 200, "70+"))  # fmt: skip
FLAGS = ["card_uncollected_30d", "pension_without_active_card", "card_expiring_90d"]
COLUMNS = ["id_token", "id_masked", "name_masked", "sex", "age_band", "county_code", "insured_types",
           "active_channels", "scenarios_used", "benefit_types", "events_90d", "last_event_at",
           "uncollected_card_made_on", "active_card_expires_on", *FLAGS, "risk_flags",
           "as_of_date"]  # fmt: skip


def _silver(spark: SparkSession, dataset: str, ds: date) -> DataFrame:
    from pyspark.sql import functions as F

    df = lake.spark_read(spark, lake.table_uri(f"silver.{dataset}"))
    return df.where(F.col("_logical_date") <= F.lit(ds)) if "_logical_date" in df.columns else df


def extract(spark: SparkSession, ds: date) -> dict[str, DataFrame]:
    """The silver inputs as of ``ds`` (per-batch datasets: the newest version of each record)."""
    enrolments = latest(
        _silver(spark, "insurance_enrolment", ds), ["enrolment_id"], ("changed_at", "_logical_date")
    )
    payments = latest(_silver(spark, "benefit_payment", ds), ["payment_id"], ("handled_at", "_logical_date"))
    return {
        "people": _silver(spark, "person", ds),
        "cards": _silver(spark, "card", ds),
        "applications": _silver(spark, "card_application", ds),
        "enrolments": enrolments,
        "payments": payments,
        "events": _silver(spark, "card_use_event", ds),
    }


def _joined(values: str) -> Column:
    from pyspark.sql import functions as F

    return F.array_join(F.array_sort(F.collect_set(values)), ",")


def age_band(birth: Column, ds: date) -> Column:
    """年龄段 of a birth date on ``ds`` (null when the birth date is unknown)."""
    from pyspark.sql import functions as F

    age = F.floor(F.months_between(F.lit(ds), birth) / 12)
    band = F.lit(None).cast("string")
    for low, high, label in reversed(AGE_BANDS):
        band = F.when((age >= low) & (age < high), label).otherwise(band)
    return band


def card_tags(cards: DataFrame, applications: DataFrame, ds: date) -> DataFrame:
    """Per token: the current 正常 card's expiry, and the oldest made-but-uncollected card."""
    from pyspark.sql import functions as F

    active = cards.where(F.col("is_current") & (F.col("status") == "正常"))
    expiry = active.groupBy("id_token").agg(F.max("expires_on").alias("active_card_expires_on"))
    made = F.to_date(F.from_utc_timestamp("province_made_at", "Asia/Shanghai"))
    waiting = applications.where(F.col("province_made_at").isNotNull() & F.col("picked_up_at").isNull())
    uncollected = waiting.groupBy("id_token").agg(F.min(made).alias("uncollected_card_made_on"))
    return expiry.join(uncollected, "id_token", "full")


def usage_tags(events: DataFrame, ds: date) -> DataFrame:
    """Per token: channels and scenarios of the last 90 days, their count, the last event time."""
    from pyspark.sql import functions as F

    recent = events.where(F.col("event_date") > F.date_sub(F.lit(ds), ACTIVE_DAYS))
    return recent.groupBy("id_token").agg(
        _joined("channel").alias("active_channels"),
        _joined("scene_name").alias("scenarios_used"),
        F.count(F.lit(1)).alias("events_90d"),
        F.max("event_time").alias("last_event_at"),
    )


def insurance_tags(enrolments: DataFrame, payments: DataFrame) -> DataFrame:
    """Per token: insured types (险种代码) and benefit types received; whether a pension is paid."""
    from pyspark.sql import functions as F

    insured = enrolments.groupBy("id_token").agg(_joined("insurance_type").alias("insured_types"))
    pension = F.max(F.col("insurance_type").isin(*PENSION_TYPES).cast("int")) == 1
    benefits = payments.groupBy("id_token").agg(
        _joined("benefit_type").alias("benefit_types"), pension.alias("_pensioner")
    )
    return insured.join(benefits, "id_token", "full")


def transform(inputs: dict[str, DataFrame], ds: date) -> DataFrame:
    """One portrait per golden person; tags from cards, insurance and use; the risk flags."""
    from pyspark.sql import functions as F

    people = inputs["people"].select(
        "id_token", "id_masked", "name_masked", "sex", age_band(F.col("birth_date"), ds).alias("age_band"),
        "county_code",
    )  # fmt: skip
    tagged = (
        people.join(card_tags(inputs["cards"], inputs["applications"], ds), "id_token", "left")
        .join(usage_tags(inputs["events"], ds), "id_token", "left")
        .join(insurance_tags(inputs["enrolments"], inputs["payments"]), "id_token", "left")
    )
    return with_flags(tagged, ds).select(*COLUMNS)


def with_flags(tagged: DataFrame, ds: date) -> DataFrame:
    """The three risk flags and ``risk_flags`` (their names joined by ``,``, empty when none)."""
    from pyspark.sql import functions as F

    expires = F.col("active_card_expires_on")
    flags = {
        "card_uncollected_30d": F.datediff(F.lit(ds), "uncollected_card_made_on") > UNCOLLECTED_DAYS,
        "pension_without_active_card": F.coalesce("_pensioner", F.lit(False)) & expires.isNull(),
        "card_expiring_90d": (expires >= F.lit(ds)) & (expires <= F.date_add(F.lit(ds), EXPIRING_DAYS)),
    }
    for name, rule in flags.items():
        tagged = tagged.withColumn(name, F.coalesce(rule, F.lit(False)))
    names = F.array(*[F.when(F.col(n), F.lit(n)) for n in FLAGS])
    return tagged.withColumn("risk_flags", F.array_join(names, ",")).withColumn("as_of_date", F.lit(ds))


def load(df: DataFrame) -> int:
    """Replace the table (one Delta commit, few files); returns its row count (from the files)."""
    uri = lake.table_uri(TABLE)
    lake.spark_write(df.coalesce(2), uri, "overwrite", partition_by=[])
    return lake.read(uri, columns=[]).num_rows


def main(ds: date, spark: SparkSession) -> int:
    """Build and write the portrait store for ``ds``; returns its row count."""
    return load(transform(extract(spark, ds), ds))
