"""Conforming source values (规范化): code tables, dates in text, times, facts derived from an ID number.

Shared by the card-domain jobs (person, card, card_application, …). Source times are naive
(``TIMESTAMP(0)``); they are read as UTC wall-clock values, the same reading the ingestion windows
use, so "not after the logical date" means the same thing in bronze and in silver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spark_jobs.common import bronze, latest

if TYPE_CHECKING:
    from datetime import date

    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["code_names", "decode", "from_id", "shape", "timestamp", "with_missing", "yyyymmdd"]


def code_names(spark: SparkSession, route_id: str, ds: date, codetype: str) -> dict[str, str]:
    """One code table type as ``{code: name}`` (代码表, newest snapshot up to ``ds``)."""
    from pyspark.sql import functions as F

    codes = latest(bronze(spark, route_id, ds), ["codetype", "code"]).where(F.col("codetype") == codetype)
    return {row["code"]: row["codename"] for row in codes.select("code", "codename").collect()}


def decode(column: str, names: dict[str, str]) -> Column:
    """The code's name; an unknown code stays visible as ``未知(<code>)`` so a contract can flag it."""
    from pyspark.sql import functions as F

    mapping = F.create_map(*[F.lit(v) for pair in sorted(names.items()) for v in pair]) if names else None
    known = mapping[F.col(column)] if mapping is not None else F.lit(None).cast("string")
    unknown = F.concat(F.lit("未知("), F.col(column), F.lit(")"))
    return F.when(F.col(column).isNull(), F.lit(None)).otherwise(F.coalesce(known, unknown))


def yyyymmdd(column: str) -> Column:
    """A ``yyyymmdd`` text date as a date; an impossible one (20230230) becomes null."""
    from pyspark.sql import functions as F

    return F.expr(f"try_to_date(`{column}`, 'yyyyMMdd')")


def timestamp(column: str) -> Column:
    """A source time as a timestamp (UTC session: the wall-clock value is kept)."""
    from pyspark.sql import functions as F

    return F.col(column).cast("timestamp")


def from_id(column: str) -> dict[str, Column]:
    """Facts a mainland ID number states (出生日期, 性别, 外地户籍), computed before it is protected.

    ``is_migrant`` is true for any document whose address code is not 乐山市's (5111), which also
    covers 港澳台 and foreign documents.
    """
    from pyspark.sql import functions as F

    number = F.upper(F.trim(F.col(column)))
    mainland = number.rlike(r"^\d{17}[\dX]$")
    digit = F.expr(f"try_cast(substring(upper(trim(`{column}`)), 17, 1) as int)")
    return {
        "id_birth_date": F.when(mainland, F.expr(f"try_to_date(substring(`{column}`, 7, 8), 'yyyyMMdd')")),
        "id_sex": F.when(mainland, F.when(digit % 2 == 1, "男").otherwise("女")),
        "is_migrant": F.when(number.isNotNull(), ~number.startswith("5111")),
    }


def with_missing(df: DataFrame, columns: list[str], out: str = "_missing") -> DataFrame:
    """``out`` = the required columns that are null or blank, comma-joined (``""`` when none)."""
    from pyspark.sql import functions as F

    blank = [F.when(F.col(c).isNull() | (F.trim(F.col(c).cast("string")) == ""), F.lit(c)) for c in columns]
    return df.withColumn(out, F.concat_ws(",", *blank) if blank else F.lit(""))


def shape(df: DataFrame, schema: dict[str, str], values: dict[str, str | Column]) -> DataFrame:
    """``df`` as the columns of ``schema`` (name → Spark type), taken from ``values`` (a source column
    name or an expression); columns a source lacks are typed nulls, so sources union by name."""
    from pyspark.sql import functions as F

    def column(name: str, kind: str) -> Column:
        value = values.get(name)
        expr = F.lit(None) if value is None else F.col(value) if isinstance(value, str) else value
        return expr.cast(kind).alias(name)

    return df.select(*[column(name, kind) for name, kind in schema.items()])
