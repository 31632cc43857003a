"""The golden person record (人员黄金记录) and its survivorship rules (存活规则).

Accepted candidates from 全民参保库 (insurance), 持卡库 (holder) and the card system
(card_system) are grouped by ID token; person_sk = id_token. Which value survives:

- 姓名: spaces inside a Chinese name are typing errors and removed first (``王　春`` → ``王春``).
  Then the spelling most source records agree on survives: each accepted 全民参保库, 持卡库 and
  卡管 card row votes once, and so does each 卡管 application (申领) for that number; a tie goes
  to the priority 全民参保库 > 持卡库 > 卡管系统. Every outvoted or de-spaced spelling (姓名异写)
  is a repair recorded in ``silver.repair_log``; ``name_conflict`` marks the person. A homophone
  typo in the only record of a person cannot be seen and stays.
- 证件号码, 证件类型, 性别, 出生日期, 民族: by priority; 性别 and 出生日期 fall back to what the
  ID number states.
- 联系电话 and 常住地址 (with 邮政编码): the most recently changed non-null value (AAE036),
  priority breaking ties.
- 行政区划: the 持卡库's township (XZQH) if known, else the 全民参保库's 参保地 (county).
- 监护人: the 持卡库's, for minors. ``is_migrant``: the number is not a 乐山市 (5111) one.
- ``sources``: the systems that know the person, in priority order; ``updated_at``: the newest change.

Ties left after these rules fall to the smallest ``_row_id``, so a rerun picks the same values.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from spark_jobs import repairs
from spark_jobs.ciphers import stable_ciphers
from spark_jobs.common import to_arrow
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

NAME_RULE = (
    "姓名以多数来源记录一致的写法为准（人员、持卡人、卡、申领记录各一票；同票按 全民参保库>持卡库>卡管系统）"
)
DESPACE_RULE = "姓名中的空格为录入错误，已去除"
BY_PRIORITY = "struct(priority, _row_id)"
BY_RECENCY = "struct(changed_at, -priority, _row_id)"
BY_HOLDER_RECENCY = "struct(if(person_system = 'holder', 0, 1), -unix_micros(changed_at), _row_id)"
SYSTEMS = (  # the systems that know the person, in priority order
    "array_join(transform(array_sort(collect_set(struct(priority, person_system))),"
    " s -> s.person_system), ',')"
)
PICKS = {  # output struct → (aggregate, value struct, ordering, filter)
    "_id": ("min_by", "id_cipher, id_masked, doc_type", BY_PRIORITY, "true"),
    "_name": ("min_by", "name_token, name_cipher, name_masked", BY_PRIORITY, "name_token = _chosen_name"),
    "_phone": ("max_by", "phone_token, phone_cipher, phone_masked", BY_RECENCY, "phone_token is not null"),
    "_address": ("max_by", "address_token, address_cipher, address_masked, postcode", BY_RECENCY,
                 "address_token is not null"),
    "_sex": ("min_by", "sex", BY_PRIORITY, "sex is not null"),
    "_birth": ("min_by", "birth_date", BY_PRIORITY, "birth_date is not null"),
    "_ethnic": ("min_by", "ethnic", BY_PRIORITY, "ethnic is not null"),
    "_id_facts": ("min_by", "id_sex, id_birth_date", BY_PRIORITY, "true"),
    "_region": ("min_by", "region_code", BY_HOLDER_RECENCY, "region_code is not null"),
    "_guardian": ("max_by", "guardian_id_token, guardian_id_cipher, guardian_id_masked, guardian_doc_type",
                  BY_RECENCY, "guardian_id_token is not null and person_system = 'holder'"),
}  # fmt: skip
COLUMNS = [
    "person_sk", "id_token", "id_cipher", "id_masked", "doc_type", "name_token", "name_cipher",
    "name_masked", "sex", "birth_date", "ethnic", "phone_token", "phone_cipher", "phone_masked",
    "region_code", "county_code", "address_token", "address_cipher", "address_masked", "postcode",
    "is_migrant", "guardian_id_token", "guardian_id_cipher", "guardian_id_masked", "guardian_doc_type",
    "sources", "name_conflict", "updated_at",
]  # fmt: skip
CIPHERS = {"id_token": "id_cipher", "name_token": "name_cipher", "phone_token": "phone_cipher",
           "address_token": "address_cipher", "guardian_id_token": "guardian_id_cipher"}  # fmt: skip


def chosen_names(candidates: DataFrame, voters: DataFrame | None = None) -> DataFrame:
    """The surviving name token per person: most votes, then priority, then the token itself.

    Every accepted source row votes once, and so does every application (``voters``: id_token,
    name_token) of the card system, which knows the name the applicant wrote on the form.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ballots = candidates.select("id_token", "name_token", "priority")
    if voters is not None:
        ballots = ballots.unionByName(voters.select("id_token", "name_token", F.lit(3).alias("priority")))
    votes = ballots.where("name_token is not null").groupBy("id_token", "name_token")
    votes = votes.agg(F.count("*").alias("_votes"), F.min("priority").alias("_best"))
    order = Window.partitionBy("id_token").orderBy(F.desc("_votes"), "_best", "name_token")
    best = votes.withColumn("_rank", F.row_number().over(order)).where("_rank = 1")
    return best.select("id_token", F.col("name_token").alias("_chosen_name"))


def golden(candidates: DataFrame, voters: DataFrame | None = None) -> DataFrame:
    """One row per ID token, values chosen by the rules in the module docstring."""
    from pyspark.sql import functions as F

    rows = candidates.join(chosen_names(candidates, voters), "id_token", "left")
    picks = [
        F.expr(f"{f}(struct({v}), {o}) filter (where {w})").alias(n) for n, (f, v, o, w) in PICKS.items()
    ]
    grouped = rows.groupBy("id_token").agg(
        *picks, F.expr("bool_or(is_migrant)").alias("is_migrant"), F.expr(SYSTEMS).alias("sources"),
        (F.countDistinct("name_token") > 1).alias("name_conflict"), F.max("changed_at").alias("updated_at"),
    )  # fmt: skip
    return _flatten(grouped)


def _flatten(grouped: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    region = F.col("_region.region_code")
    return grouped.select(
        F.col("id_token").alias("person_sk"), "id_token", "_id.id_cipher", "_id.id_masked", "_id.doc_type",
        "_name.name_token", "_name.name_cipher", "_name.name_masked",
        F.coalesce("_sex.sex", "_id_facts.id_sex").alias("sex"),
        F.coalesce("_birth.birth_date", "_id_facts.id_birth_date").alias("birth_date"), "_ethnic.ethnic",
        "_phone.phone_token", "_phone.phone_cipher", "_phone.phone_masked", region.alias("region_code"),
        F.substring(region, 1, 6).alias("county_code"), "_address.address_token", "_address.address_cipher",
        "_address.address_masked", "_address.postcode", "is_migrant", "_guardian.guardian_id_token",
        "_guardian.guardian_id_cipher", "_guardian.guardian_id_masked", "_guardian.guardian_doc_type",
        "sources", "name_conflict", "updated_at",
    )  # fmt: skip


def name_repairs(candidates: DataFrame, people: DataFrame) -> DataFrame:
    """The source rows whose name was outvoted or had its spaces removed, for ``silver.repair_log``."""
    from pyspark.sql import functions as F

    chosen = people.select(
        "id_token", F.col("name_token").alias("_chosen"), F.col("name_masked").alias("_shown")
    )
    rows = candidates.join(chosen, "id_token")
    outvoted = rows.where(F.col("name_token") != F.col("_chosen")).withColumn("rule", F.lit(NAME_RULE))
    despaced = rows.where("name_despaced").withColumn("rule", F.lit(DESPACE_RULE))
    return outvoted.unionByName(despaced).select(
        F.lit("person").alias("dataset"), "_row_id", "_source_table", "_source_key",
        F.lit("aac003").alias("column"), "rule", F.col("_shown").alias("repaired_to"),
    )  # fmt: skip


def write(spark: SparkSession, candidates: DataFrame, ds: date, voters: DataFrame | None = None) -> None:
    """Build the golden records from all accepted candidates and replace ``silver.person``."""
    people = golden(candidates, voters).cache()
    uri = lake.table_uri("silver.person")
    table = stable_ciphers(to_arrow(people.select(COLUMNS)), uri, CIPHERS)
    repaired = to_arrow(name_repairs(candidates, people))
    lake.overwrite(uri, table.sort_by("person_sk"), partition_by=[])
    repairs.write("person", repaired)
    people.unpersist()


def tokens(table: pa.Table) -> pa.Array:
    """The person tokens of a silver.person snapshot (for referential checks)."""
    return pc.unique(table["id_token"])
