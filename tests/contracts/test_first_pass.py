"""The first pass (contracts.plan + suspects_arrow): every row GX fails is a suspect, few others are.

GX judges only the suspects, so a row the first pass misses would slip through the contract. These
tests run GX on the whole frame (as the runner used to) and check that its failing rows are all
suspects, on rows built to sit on every boundary: nulls, NaN, the last microsecond of the day,
dates at their bounds, codes just outside a set, duplicated keys with null parts.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from contracts import expect
from contracts.judge import judge
from contracts.plan import KeyRule, UnplannedExpectation, plan
from contracts.suspects_arrow import suspects

DS = date(2026, 11, 27)
END = datetime(2026, 11, 28) - timedelta(microseconds=1)  # the last moment of the business day
CHECKS_OF_SUITE = ["_id_check", "_text_ok"]


def suite() -> list:
    return [
        expect.not_null("_row_id"),
        expect.unique(["_row_id"]),
        expect.unique(["dataset", "code"], "编码重复"),
        expect.not_null("card_no", "卡号为空"),
        expect.not_null("amount", "金额为空"),
        expect.non_negative("amount"),
        expect.id_valid(),
        expect.text_ok(),
        expect.region_in_tree("region_code"),
        expect.not_after("changed_at", DS),
        expect.within("born", date(1900, 1, 1), DS, "出生日期不合理"),
        expect.within("attempt", 1, 100, "尝试次数不合理"),
        expect.known_code("channel"),
    ]


GOOD = {"dataset": "a", "code": "1", "card_no": "B1", "amount": 1.0, "_id_check": "ok", "_text_ok": True,
        "region_code": "511102", "changed_at": datetime(2026, 11, 27, 9), "born": date(1990, 1, 1),
        "attempt": 1, "channel": "自助终端"}  # fmt: skip
EDGES = [
    {},
    {"card_no": None},
    {"card_no": ""},  # empty text is not null: passes
    {"amount": None},
    {"amount": math.nan},
    {"amount": -0.01},
    {"amount": 0.0},
    {"_id_check": "null"},
    {"_id_check": None},  # null verdicts are skipped by set checks (jobs write "null" instead)
    {"_text_ok": False},
    {"_text_ok": None},
    {"region_code": "511199"},
    {"region_code": None},
    {"changed_at": END},
    {"changed_at": END + timedelta(microseconds=1)},
    {"changed_at": datetime(1899, 12, 31, 23, 59)},
    {"born": DS},
    {"born": DS + timedelta(days=1)},
    {"born": date(1899, 12, 31)},
    {"attempt": 100},
    {"attempt": 101},
    {"attempt": 0},
    {"channel": "未知(ZZ)"},
    {"channel": "x未知(ZZ)"},
    {"dataset": "b", "code": "7"},
    {"dataset": "b", "code": "7"},  # duplicated compound key
    {"dataset": "c", "code": None},
    {"dataset": "c", "code": None},  # duplicated with a null part
    {"dataset": None, "code": None},
    {"dataset": None, "code": None},  # all-null keys are not compared
]
SCHEMA = pa.schema(
    [("_row_id", pa.string()), ("_source_table", pa.string()), ("_source_key", pa.string()),
     ("dataset", pa.string()), ("code", pa.string()), ("card_no", pa.string()),
     ("amount", pa.float64()), ("_id_check", pa.string()), ("_text_ok", pa.bool_()),
     ("region_code", pa.string()), ("changed_at", pa.timestamp("us", tz="UTC")), ("born", pa.date32()),
     ("attempt", pa.int64()), ("channel", pa.string()), ("id_cipher", pa.string())]
)  # fmt: skip


def edge_rows() -> pa.Table:
    lineage = [{"_row_id": f"t:{i}", "_source_table": "t", "_source_key": str(i), "code": str(i),
                "id_cipher": "k$x"} for i in range(len(EDGES))]  # fmt: skip
    rows = [GOOD | ids | edge for ids, edge in zip(lineage, EDGES, strict=True)]
    rows.append(GOOD | {"_row_id": "t:0", "_source_table": "t", "_source_key": "0", "code": "dup-row"})
    return pa.Table.from_pylist(rows, schema=SCHEMA)


@pytest.fixture(scope="module")
def whole_frame_failures() -> set[str]:
    """What GX fails when it sees every row and every column (the old runner)."""
    return set(judge(suite(), edge_rows())["_row_id"].to_pylist())


def test_every_failing_row_is_a_suspect(whole_frame_failures: set[str]) -> None:
    rows = edge_rows()
    flagged = set(rows.filter(suspects(rows, plan(suite())))["_row_id"].to_pylist())
    assert whole_frame_failures <= flagged
    assert len(flagged - whole_frame_failures) <= 2  # NaN and the like: suspicious, then cleared


def test_judging_suspects_only_gives_the_whole_frame_verdicts(whole_frame_failures: set[str]) -> None:
    rows, checks = edge_rows(), plan(suite())
    narrow = rows.filter(suspects(rows, checks)).select(list(checks.columns))
    assert "id_cipher" not in narrow.column_names and narrow.num_rows < rows.num_rows
    assert judge(suite(), narrow) == judge(suite(), rows)
    failing = {0, 1, 3, 4, 5, 14, 17, 20, 22, 24, 25}
    passing = {2, 6, 8, 13, 16, 19, 23, 28, 29}
    assert {f"t:{i}" for i in failing} <= whole_frame_failures
    assert not {f"t:{i}" for i in passing} & whole_frame_failures


def test_plan_reads_rules_and_columns() -> None:
    checks = plan(suite())
    assert checks.columns[0] == "_row_id" and "id_cipher" not in checks.columns
    assert KeyRule(("dataset", "code")) in checks.keys
    between = next(r for r in checks.rows if r.column == "attempt")
    assert (between.kind, between.low, between.high) == ("between", 1, 100)


def test_an_unplanned_expectation_is_refused() -> None:
    gxe = expect.gx_expectations()
    with pytest.raises(UnplannedExpectation, match="校验计划不支持"):
        plan([gxe.ExpectColumnMeanToBeBetween(column="amount", min_value=0, max_value=1)])


def test_no_suspects_in_clean_rows() -> None:
    clean = pa.Table.from_pylist(
        [GOOD | {"_row_id": f"t:{i}", "code": str(i)} for i in range(50)], schema=SCHEMA
    )
    assert not pc.any(suspects(clean, plan(suite()))).as_py()
