"""Check columns of the business and event datasets (校验列), computed from plaintext before protection.

- ``_id_check``: the verdict on a 证件号码 when the source has no document-type column (社保业务库,
  用卡轨迹): 18-character mainland numbers follow GB 11643 (:func:`yikatong.ids.check_id`); the
  documents non-mainland residents hold (港澳居民来往内地通行证 ``H/M`` + 8 digits, 台湾居民来往大陆
  通行证 8 digits, 外国人永久居留身份证 18 digits starting with 9) are checked by their own shape.
- ``_name_ok``: the name agrees with the person master data (人员主数据) — the name most master
  records (全民参保库, 持卡库, 卡管系统) give for that number; a number the masters do not know is
  not judged. A clerk's homophone or a stray full-width space (姓名异写) fails it.
- ``_has_card``: the card number exists in the card master (卡管系统 ``kgl_card`` or 持卡库 ``cyk_card``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.common import bronze, latest
from yikatong.ids import check_char, check_id, normalize_id

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["card_numbers", "document_verdict", "person_names", "with_card_check", "with_document_check",
           "with_name_check", "with_protected_numbers"]  # fmt: skip

_HK_MACAU = re.compile(r"^[HM]\d{8}$")  # 港澳居民来往内地通行证
_TAIWAN = re.compile(r"^\d{8}$")  # 台湾居民来往大陆通行证
_PERMANENT = re.compile(r"^9\d{16}[\dX]$")  # 外国人永久居留身份证 (2023 版, GB 11643 layout)
# (route, key columns, ID column, name column) of the person master data
NAME_MASTERS = (
    ("insurance.qmcb_person", ["aac001"], "aac002", "aac003"),
    ("holder.cyk_holder", ["cyrid"], "aac002", "aac003"),
    ("card_system.kgl_card", ["aaz500"], "aac002", "aac003"),
    ("card_system.kgl_apply", ["sqid"], "aac002", "aac003"),
)
CARD_MASTERS = ("card_system.kgl_card", "holder.cyk_card")
_SPACE = "[\\s\\u3000]"  # Java regex: ASCII whitespace and the full-width space


def document_verdict(number: str | None, today: date | None = None) -> str:
    """``ok`` or the failure code for one document number; ``null`` when empty."""
    if number is None or not str(number).strip():
        return "null"
    n = normalize_id(str(number))
    if _HK_MACAU.match(n) or _TAIWAN.match(n):
        return "ok"
    if n.startswith("9") and len(n) == 18:
        return _permanent_residence(n, today)
    return check_id(n, today).code


def _permanent_residence(n: str, today: date | None) -> str:
    """外国人永久居留身份证: shape, birth date and the GB 11643 check character."""
    if not _PERMANENT.match(n):
        return "bad_chars"
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return "bad_birth_date"
    if born > (today or date.today()) or born.year < 1880:
        return "bad_birth_date"
    return "ok" if check_char(n[:17]) == n[17] else "bad_check_digit"


def with_document_check(df: DataFrame, column: str, out: str = "_id_check", today: date | None = None):
    """``out`` = :func:`document_verdict` of ``column`` (one Python call per Arrow batch)."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("string")
    def verdict(numbers):
        from spark_jobs.checks import document_verdict

        return numbers.map(lambda n: document_verdict(n, today))

    return df.withColumn(out, verdict(df[column]))


def person_names(spark: SparkSession, ds: date) -> DataFrame:
    """The agreed names per number: ``(_pn_id, _pn_name)`` for every name with the most master votes.

    Each master row votes with its newest version, spaces removed (a master's stray full-width
    space is still the same name); ties keep every tied name (no majority to overrule a name the
    masters themselves disagree on).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    votes = None
    for route_id, keys, id_col, name_col in NAME_MASTERS:
        rows = latest(bronze(spark, route_id, ds), keys).select(
            F.upper(F.trim(F.col(id_col))).alias("_pn_id"), _spaceless(name_col).alias("_pn_name")
        )
        votes = rows if votes is None else votes.unionByName(rows)
    counted = votes.where("_pn_id is not null and _pn_name is not null").groupBy("_pn_id", "_pn_name").count()
    best = F.max("count").over(Window.partitionBy("_pn_id"))
    return counted.withColumn("_best", best).where("count = _best").select("_pn_id", "_pn_name")


def with_name_check(df: DataFrame, names: DataFrame, id_col: str, name_col: str, out: str = "_name_ok"):
    """``out`` = the name has no space inside and is one the masters agree on (or they do not know
    the number). A homophone or a stray space typed by a clerk (姓名异写) fails it."""
    from pyspark.sql import functions as F

    known = names.select(F.col("_pn_id").alias("_nk_id")).distinct().withColumn("_nk", F.lit(True))
    agreed = names.withColumn("_na", F.lit(True))
    key = F.upper(F.trim(F.col(id_col)))
    joined = (
        df.withColumn("_n_id", key)
        .join(
            agreed, (F.col("_n_id") == F.col("_pn_id")) & (_spaceless(name_col) == F.col("_pn_name")), "left"
        )
        .join(known, F.col("_n_id") == F.col("_nk_id"), "left")
    )
    spaced = F.col(name_col).rlike(_SPACE)
    verdict = F.col(name_col).isNotNull() & ~spaced & (F.col("_na").isNotNull() | F.col("_nk").isNull())
    return joined.withColumn(out, verdict).drop("_n_id", "_pn_id", "_pn_name", "_na", "_nk_id", "_nk")


def _spaceless(column: str):
    from pyspark.sql import functions as F

    return F.regexp_replace(F.col(column), _SPACE, "")


def card_numbers(spark: SparkSession, ds: date) -> DataFrame:
    """Every card number the card masters know up to ``ds`` (``_cm_card``, distinct)."""
    from pyspark.sql import functions as F

    frames = [bronze(spark, r, ds).select(F.col("aaz500").alias("_cm_card")) for r in CARD_MASTERS]
    return frames[0].unionByName(frames[1]).where("_cm_card is not null").distinct()


def with_card_check(df: DataFrame, cards: DataFrame, column: str = "card_no", out: str = "_has_card"):
    """``out`` = ``column`` is a card number of the card master (false when empty)."""
    from pyspark.sql import functions as F

    joined = df.join(cards, F.col(column) == F.col("_cm_card"), "left")
    return joined.withColumn(out, F.col("_cm_card").isNotNull()).drop("_cm_card")


def with_protected_numbers(df: DataFrame, column: str, today: date | None = None) -> DataFrame:
    """``_id_check``, ``<column>_token`` and ``<column>_masked`` in place of a 证件号码 column.

    Computed once per distinct number and joined back: a holder uses the card many times, so a
    day of messages has far fewer numbers than rows, and only the narrow frame of numbers goes
    through Python. The plaintext column is gone from the result.
    """
    from pyspark.sql import functions as F

    from spark_jobs.common import protect

    numbers = df.select(F.col(column).alias("_pn_number")).where("_pn_number is not null").distinct()
    checked = with_document_check(numbers.withColumn(column, F.col("_pn_number")), column, today=today)
    protected = protect(checked, {column: "id_number"}, keep_cipher=set())
    joined = df.join(F.broadcast(protected), F.col(column) == F.col("_pn_number"), "left")
    return joined.withColumn("_id_check", F.coalesce("_id_check", F.lit("null"))).drop(column, "_pn_number")
