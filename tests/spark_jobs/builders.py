"""Small bronze-shaped frames for the card-domain job tests (source column names, lower case)."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession

from yikatong.ids import check_char

T0 = dt.datetime(2020, 5, 1, 9)


def id_number(first17: str) -> str:
    """A valid GB 11643 number from its first 17 digits."""
    return first17 + check_char(first17)


def bad_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


QMCB = (
    ", ".join(
        f"{c} string"
        for c in [
            "aac001",
            "aac002",
            "aac058",
            "aac003",
            "aac004",
            "aac005",
            "aac006",
            "aab301",
            "aae006",
            "aae007",
            "aae005",
        ]
    )
    + ", aae036 timestamp"
)
CYK = (
    "cyrid string, aac002 string, zjlx string, aac003 string, xb string, csrq date, mz string, lxdh string, "
    "txdz string, yzbm string, xzqh string, jhrzjlx string, jhrzjhm string, jhrxm string, aae036 timestamp"
)
KGL = (
    ", ".join(
        f"{c} string"
        for c in [
            "aaz500",
            "aac002",
            "aac058",
            "aac003",
            "aac004",
            "aab301",
            "aaz502",
            "fkrq",
            "yxqz",
            "aae008",
            "aae010",
            "chipno",
            "cardgen",
            "sqid",
        ]
    )
    + ", aae036 timestamp"
)
CYK_CARD = (
    "aaz500 string, aac002 string, kzt string, yhbm string, yhmc string, yhkh string, fkrq date, "
    "yxqz date, fkd string, aae036 timestamp"
)
HISTORY = "lsid bigint, aaz500 string, yzt string, xzt string, bgsj timestamp, bgyy string, aae036 timestamp"


def frame(spark: SparkSession, schema: str, rows: list[dict]) -> DataFrame:
    """Rows given as dicts (missing columns are null) in the bronze column order of ``schema``."""
    names = [part.strip().split(" ")[0] for part in schema.split(",")]
    return spark.createDataFrame([tuple(row.get(n) for n in names) for row in rows], schema)


def qmcb(number: str, name: str, **extra) -> dict:
    base = {
        "aac001": "5111" + number[-10:],
        "aac002": number,
        "aac058": "01",
        "aac003": name,
        "aac004": "1",
        "aac005": "01",
        "aac006": number[6:14],
        "aab301": "511102",
        "aae006": "四川省乐山市市中区海棠路1号",
        "aae007": "614000",
        "aae005": "13800000001",
        "aae036": T0,
    }
    return base | extra


def cyk(number: str, name: str, **extra) -> dict:
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    base = {
        "cyrid": "CY" + number[-10:],
        "aac002": number,
        "zjlx": "01",
        "aac003": name,
        "xb": "男",
        "csrq": born,
        "mz": "汉族",
        "lxdh": "13900000002",
        "txdz": "四川省乐山市市中区新村街2号",
        "yzbm": "614000",
        "xzqh": "511102001",
        "aae036": T0 + dt.timedelta(days=30),
    }
    return base | extra


def kgl(card_no: str, number: str, name: str, **extra) -> dict:
    base = {
        "aaz500": card_no,
        "aac002": number,
        "aac058": "01",
        "aac003": name,
        "aac004": "1",
        "aab301": "511102",
        "aaz502": "1",
        "fkrq": "20200601",
        "yxqz": "20300601",
        "aae008": "102",
        "aae010": "6222020000000000001",
        "chipno": "C" + card_no,
        "cardgen": "3",
        "sqid": "SQ" + card_no,
        "aae036": T0,
    }
    return base | extra
