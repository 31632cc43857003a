"""The channel and portrait marts (渠道分析, 持卡人画像) on simulated access history and a few portraits.

Writes `small`-scale access-log rows (simulators/access_history, the middleware's shape) and a few
portraits and monthly trajectories into schemas of their own, builds the channel and portrait marts
beside the real ones (`schema_prefix`) and compares every figure with a pandas computation of the
same definitions. Then scans every new table for plain personal data.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from simulators import access_history
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RAW, GOLD, PREFIX = "dbt_chan_ops", "dbt_chan_gold", "dbt_chan_"
AS_OF, DAYS = date(2026, 11, 27), 6
MARTS = ["mart_channel_access", "mart_channel_usage_heat", "mart_channel_behaviour", "mart_channel_funnel",
         "mart_api_call_stats", "mart_holder_portrait", "mart_trajectory_summary"]  # fmt: skip
PORTRAITS = [  # id_token, sex, age_band, county, insured, channels, scenarios, benefits, risk flags
    ("t1", "男", "60-69", "511102", "110,310", "天府通办,自助终端", "医疗就诊", "企业职工养老",
     "card_expiring_90d"),
    ("t2", "女", "60-69", "511102", "170,390", "", "", "城乡居民养老", "pension_without_active_card"),
    ("t3", "女", "18-34", "511181", "110,210,310", "微信", "医疗就诊,图书借阅", "", ""),
    ("t4", "男", "35-49", "511181", "390", "微信,智乐山", "公交出行", "",
     "card_uncollected_30d,card_expiring_90d"),
    ("t5", None, None, None, "", "", "", "", ""),
]  # fmt: skip
PORTRAIT_COLUMNS = ["id_token", "sex", "age_band", "county_code", "insured_types", "active_channels",
                    "scenarios_used", "benefit_types", "risk_flags"]  # fmt: skip
TRAJECTORIES = [  # id_token, month, kind, county, place, events, successful, amount
    ("t1", "2026-10", "待遇发放类", "511102", "511102004", 1, 1, 3200.50),
    ("t1", "2026-11", "待遇发放类", "511102", "511102004", 1, 1, 3200.50),
    ("t2", "2026-11", "待遇发放类", "511102", "511102006", 1, 1, 210.00),
    ("t3", "2026-11", "非医保消费类", "511181", "511181100", 4, 3, 86.40),
    ("t4", "2026-11", "身份凭证类", "511181", "511181100", 2, 2, 0),
]  # fmt: skip
COLUMNS = ", ".join(access_history.COLUMNS)


@pytest.fixture(scope="module")
def channel_marts():
    """The raw tables in their own schemas, the channel and portrait marts built from them, dropped after."""
    from pipeline import transform

    db.ensure_databases(("analytics",))
    rows, _, _ = access_history.generate("small", DAYS, AS_OF, seed=11)
    later = rows[-1]._replace(at=rows[-1].at + timedelta(days=2), request_id="sim-after-as-of")
    schemas = [RAW, GOLD, *(PREFIX + s for s in ("staging", "intermediate", "marts", "reference"))]
    engine = db.engine("analytics")
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f"drop schema if exists {schema} cascade"))
        conn.execute(sa.text(f"create schema {RAW}; create schema {GOLD}"))
    raw = pd.DataFrame([*rows, later], columns=access_history.COLUMNS)
    _copy_access_log([*rows, later])
    portraits = pd.DataFrame(PORTRAITS, columns=PORTRAIT_COLUMNS)
    portraits["id_masked"], portraits["name_masked"], portraits["as_of_date"] = (
        "511102********1234",
        "张*",
        AS_OF,
    )
    portraits.to_sql("raw_gold_portrait", engine, schema=GOLD, index=False)
    trajectories = pd.DataFrame(TRAJECTORIES, columns=["id_token", "month", "trajectory_kind", "county_code",
                                                       "place_code", "events", "successful_events",
                                                       "amount_total"])  # fmt: skip
    trajectories["as_of_date"] = AS_OF
    trajectories.to_sql("raw_gold_trajectory_monthly", engine, schema=GOLD, index=False)
    variables = {"ops_schema": RAW, "gold_schema": GOLD, "schema_prefix": PREFIX, "as_of": AS_OF.isoformat()}
    selection = [f"+{m}" for m in MARTS]
    command = ["build", "--select", *selection, "--indirect-selection", "cautious"]
    result = transform.invoke([*command, "--vars", json.dumps(variables)])
    yield result, raw[raw["request_id"] != "sim-after-as-of"]
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f"drop schema if exists {schema} cascade"))


def _copy_access_log(rows: list) -> None:
    """``raw_ops_access_log`` as the load leaves it (the ops table's columns, ``id`` first), by COPY."""
    import psycopg

    types = {"at": "timestamptz", "status": "smallint", "latency_ms": "double precision"}
    columns = ", ".join(f"{c} {types.get(c, 'text')}" for c in access_history.COLUMNS)
    with psycopg.connect(db.dsn("analytics")) as conn:
        conn.execute(f"create table {RAW}.raw_ops_access_log (id bigint, {columns})")
        with conn.cursor().copy(f"copy {RAW}.raw_ops_access_log (id, {COLUMNS}) from stdin") as copy:
            for number, row in enumerate(rows, 1):
                copy.write_row((number, *row))


def mart(name: str) -> pd.DataFrame:
    with db.engine("analytics").connect() as conn:
        return pd.read_sql(sa.text(f"select * from {PREFIX}marts.{name}"), conn)


def beijing(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    local = pd.to_datetime(out["at"], utc=True).dt.tz_convert("Asia/Shanghai")
    out["day"], out["hour"] = local.dt.date, local.dt.hour
    out["county_code"] = out["county_code"].fillna("000000")
    return out


def sessions_of(raw: pd.DataFrame) -> pd.DataFrame:
    """Sessionisation by hand: an actor's request more than 30 minutes after the previous starts one."""
    known = beijing(raw)[raw["actor_token"].notna()].copy()
    known["at"] = pd.to_datetime(known["at"], utc=True)
    known = known.sort_values(["actor_token", "at"], kind="stable")
    gap = known.groupby("actor_token")["at"].diff()
    known["session"] = (gap.isna() | (gap > pd.Timedelta(minutes=30))).astype(int).groupby(
        known["actor_token"]).cumsum()  # fmt: skip
    approved = set(raw[(raw["endpoint"].str.endswith("/approve")) & (raw["status"] < 300)]["object_id"])
    rows = []
    for (token, _), s in known.groupby(["actor_token", "session"]):
        submits = s[(s["method"] == "POST") & (s["endpoint"] == "/h5/apply") & (s["status"] < 400)][
            "object_id"
        ]
        rows.append({
            "token": token, "kind": s["actor_kind"].iloc[0], "channel": s["channel"].iloc[0],
            "county_code": s["county_code"].iloc[0], "day": s["day"].iloc[0], "requests": len(s),
            "opened": bool(((s["method"] == "GET") & (s["endpoint"] == "/h5/apply")).any()),
            "submitted": bool(submits.notna().any()), "approved": bool(set(submits.dropna()) & approved),
        })  # fmt: skip
    return pd.DataFrame(rows)


def test_the_marts_build_with_their_tests(channel_marts) -> None:
    result, _ = channel_marts
    assert result.success, result.failures
    assert result.statuses.get("pass", 0) >= 15, result.statuses


def test_access_by_channel_equals_pandas(channel_marts) -> None:
    _, raw = channel_marts
    got = mart("mart_channel_access").set_index(["request_date", "channel", "actor_kind", "county_code"])
    want = beijing(raw).groupby(["day", "channel", "actor_kind", "county_code"]).agg(
        requests=("request_id", "size"), actors=("actor_token", "nunique"),
        errors=("status", lambda s: int((s >= 400).sum())))  # fmt: skip
    assert len(got) == len(want) and set(got.index) == set(want.index)
    for key, row in want.iterrows():
        assert tuple(got.loc[key, ["requests", "actors", "errors"]]) == tuple(row), key
    assert {"天府通办", "智乐山", "微信", "自助终端", "工作人员后台", "合作系统"} <= set(
        got.reset_index()["channel"]
    )


def test_usage_heat_equals_pandas(channel_marts) -> None:
    _, raw = channel_marts
    got = mart("mart_channel_usage_heat").set_index(["request_date", "county_code", "module", "request_hour"])
    want = beijing(raw).groupby(["day", "county_code", "module", "hour"])["request_id"].size()
    assert len(got) == len(want)
    assert all(got.loc[key, "requests"] == n for key, n in want.items())


def test_sessions_and_the_funnel_equal_pandas(channel_marts) -> None:
    _, raw = channel_marts
    sessions = sessions_of(raw)
    behaviour = mart("mart_channel_behaviour")
    assert behaviour["sessions"].sum() == len(sessions)
    want = sessions.groupby(["day", "channel", "kind", "county_code"]).agg(
        sessions=("token", "size"), visitors=("token", "nunique"), requests=("requests", "sum"))  # fmt: skip
    got = behaviour.set_index(["session_date", "channel", "actor_kind", "county_code"])
    for key, row in want.iterrows():
        assert tuple(got.loc[key, ["sessions", "visitors", "requests"]]) == tuple(row), key
    first = sessions.groupby("token")["day"].min()
    returning = sessions[sessions["day"] > sessions["token"].map(first)]
    by_group = returning.groupby(["day", "channel", "kind", "county_code"])["token"].nunique()
    assert behaviour["returning_visitors"].sum() == by_group.sum() > 0
    funnel = mart("mart_channel_funnel").groupby("step_name")["sessions"].sum()
    residents = sessions[sessions["kind"] == "resident"]
    expected = {
        "访问": len(residents),
        "进入申请": residents["opened"].sum(),
        "提交申请": residents["submitted"].sum(),
        "审核通过": residents["approved"].sum(),
    }
    assert funnel.to_dict() == expected
    assert expected["访问"] > expected["进入申请"] > expected["提交申请"] > expected["审核通过"] > 0


def test_interface_statistics_equal_numpy_percentiles(channel_marts) -> None:
    _, raw = channel_marts
    got = mart("mart_api_call_stats").set_index(
        ["request_date", "county_code", "module", "endpoint", "method"]
    )
    groups = beijing(raw).groupby(["day", "county_code", "module", "endpoint", "method"])
    assert len(got) == groups.ngroups
    for key, calls in groups:
        row = got.loc[key]
        latency = calls["latency_ms"].to_numpy()
        assert (row["calls"], row["errors"]) == (len(calls), int((calls["status"] >= 400).sum())), key
        for column, q in (("p50_ms", 50), ("p95_ms", 95), ("p99_ms", 99)):
            assert float(row[column]) == pytest.approx(np.percentile(latency, q), abs=1e-3), (key, column)


def test_portrait_counts_per_tag(channel_marts) -> None:
    got = mart("mart_holder_portrait")
    count = got.set_index(["county_code", "dimension", "tag"])["holders"]
    assert count[("511102", "合计", "持卡人")] == 2 and count[("000000", "合计", "持卡人")] == 1
    assert count[("511102", "参保险种", "企业职工基本养老保险")] == 1
    assert count[("511181", "参保险种", "职工基本医疗保险")] == 1
    assert count[("511181", "活跃渠道", "微信")] == 2 and count[("511181", "使用场景", "医疗就诊")] == 1
    assert (
        count[("511102", "风险标识", "卡90天内到期")] == 1
        and count[("511181", "风险标识", "卡90天内到期")] == 1
    )
    assert count[("000000", "年龄段", "未知")] == 1 and count[("000000", "性别", "未知")] == 1
    assert got[got["dimension"] == "风险标识"]["holders"].sum() == 4
    columns = {"as_of_date", "county_code", "county_name", "dimension_order", "dimension", "tag", "holders"}
    assert set(got.columns) == columns, "no token, no mask"
    summary = mart("mart_trajectory_summary").set_index(
        ["trajectory_month", "county_code", "trajectory_kind"]
    )
    row = summary.loc[(date(2026, 11, 1), "511102", "待遇发放类")]
    assert (row["holders"], row["events"], float(row["amount_total"])) == (2, 2, 3410.50)


PERSONAL = [re.compile(p) for p in (r"\b\d{17}[\dXx]\b", r"\b1[3-9]\d{9}\b",
                                     r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.(?!0/)\d{1,3}\b")]  # fmt: skip


def test_no_plain_personal_data_in_any_new_table(channel_marts) -> None:
    with db.engine("analytics").connect() as conn:
        tables = [(f"{PREFIX}marts", m) for m in MARTS] + [(RAW, "raw_ops_access_log")]
        for schema, table in tables:
            frame = pd.read_sql(sa.text(f"select * from {schema}.{table}"), conn)
            assert len(frame) > 0, table
            text = frame.astype(str).to_csv(index=False)
            for pattern in PERSONAL:
                assert not pattern.search(text), (table, pattern.pattern)
            assert not {"id_token", "id_masked", "name_masked", "actor_token"} & set(frame.columns) or (
                table == "raw_ops_access_log"), table  # fmt: skip
