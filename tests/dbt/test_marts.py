"""dbt build at small scale: models, data tests and unit tests pass, and the marts' numbers equal an
independent computation over `analytics.raw_*` (pandas here, not the project's SQL). The raw tables
are the real pipeline's output of one small run (tests/dbt/raw_snapshot.py)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from yikatong import db, regions

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ANCHOR = date(2026, 11, 27)  # the business date of the raw snapshot (conftest.AS_OF)
MARTS = ["mart_card_issuance_daily", "mart_card_stats", "mart_card_production_funnel",
         "mart_online_application", "mart_problem_card", "mart_pension_receipt", "mart_insurance_business",
         "mart_source_monitoring", "mart_terminal_status", "mart_card_stats_by_county",
         "mart_card_issuance_county_daily", "mart_card_production_backlog", "dim_region"]  # fmt: skip
ISSUE_TYPE = {"申领": "发卡", "补卡": "补卡", "换卡": "换卡"}
PENSION_GROUP = {"110": "企业", "120": "机关", "170": "城乡居民"}


def frame(sql: str) -> pd.DataFrame:
    with db.engine("analytics").connect() as conn:
        return pd.read_sql(sa.text(sql), conn)


def totals(sql: str) -> dict:
    """The first column of a query's rows → its second (as int)."""
    rows = frame(sql)
    return {key: int(value) for key, value in zip(rows.iloc[:, 0], rows.iloc[:, 1], strict=True)}


def county(code: str | None) -> str:
    """The county of a code as dim_region resolves it (000000 for an unknown one)."""
    if not code or not regions.exists(code):
        return "000000"
    return regions.county_of(code) or code


def test_build_passes_models_data_tests_and_unit_tests(built) -> None:
    result, results = built
    assert result.success, result.failures
    by_kind: dict[str, set[str]] = {}
    for node in results:
        by_kind.setdefault(node["unique_id"].split(".")[0], set()).add(node["status"])
    assert by_kind["model"] == {"success"} and by_kind["seed"] == {"success"}
    assert by_kind["test"] == {"pass"} and by_kind["unit_test"] == {"pass"}
    assert sum(n["unique_id"].startswith("unit_test.") for n in results) >= 6
    tables = frame("select table_name from information_schema.tables where table_schema = 'marts'")
    assert set(MARTS) <= set(tables["table_name"])


def test_issuance_equals_the_collected_applications(built) -> None:
    apps = frame("select * from raw_card_application")
    collected = apps[apps["picked_up_at"].notna() & apps["card_no"].notna()].copy()
    places = zip(collected["pickup_outlet_code"], collected["region_code"], strict=True)
    collected["county_code"] = [county(outlet or home) for outlet, home in places]
    collected["issue_type"] = collected["business_type"].map(ISSUE_TYPE)
    expected = collected.groupby(["county_code", "issue_type"]).size().to_dict()
    mart = frame(
        "select county_code, issue_type, sum(cards) n from marts.mart_card_issuance_daily group by 1, 2"
    )
    assert {(r.county_code, r.issue_type): int(r.n) for r in mart.itertuples()} == expected
    stats = totals("select stat_name || stat_item, sum(value) from marts.mart_card_stats group by 1")
    by_type = collected.groupby("issue_type").size()
    assert stats == {"发卡合计": len(collected), "发卡新办": by_type["发卡"], "补卡合计": by_type["补卡"],
                     "换卡合计": by_type["换卡"]}  # fmt: skip


def test_pension_receipt_equals_the_payments(built) -> None:
    pay = frame("select * from raw_benefit_payment")
    card_accounts = set(frame("select bank_card_token from raw_card")["bank_card_token"].dropna())
    pay = pay[pay["insurance_type"].isin(PENSION_GROUP)].copy()
    pay["pension_group"] = pay["insurance_type"].map(PENSION_GROUP)
    pay["county_code"] = pay["region_code"].map(county)
    pay["pay_month"] = pd.to_datetime(pay["paid_on"]).dt.to_period("M").dt.to_timestamp().dt.date
    pay["to_card"] = pay["bank_account_token"].isin(card_accounts)
    keys = ["pay_month", "county_code", "pension_group"]
    expected = pay.groupby(keys).agg(
        recipients=("id_token", "nunique"), amount=("amount", "sum"), share=("to_card", "mean")
    )
    mart = frame("select * from marts.mart_pension_receipt").set_index(keys).sort_index()
    assert len(mart) == len(expected) > 0
    joined = expected.join(mart, rsuffix="_mart")
    assert (joined["recipients"] == joined["recipients_mart"]).all()
    assert (joined["amount"].astype(float).round(2) == joined["amount_mart"].astype(float)).all()
    assert ((joined["share"] - joined["paid_to_card_share"].astype(float)).abs() < 1e-4).all()


def test_problem_cards_equal_the_card_states(built) -> None:
    cards = frame("select * from raw_card where is_current")
    expired = cards[(cards["status"] != "注销") & (pd.to_datetime(cards["expires_on"]).dt.date < ANCHOR)]
    valid_since = cards[cards["status"].isin(["正常", "待激活"])].groupby("id_token")["issued_on"].max()
    lost = cards[cards["status"].isin(["正式挂失", "临时挂失"])]
    replaced = [valid_since.get(c.id_token) is not None and valid_since[c.id_token] >= c.issued_on
                for c in lost.itertuples()]  # fmt: skip
    lost = lost[[not r for r in replaced]]
    apps = frame("select * from raw_card_application where sent_to_outlet_at is not null")
    sent_day = apps["sent_to_outlet_at"].dt.tz_convert("Asia/Shanghai").dt.date
    picked_day = apps["picked_up_at"].dt.tz_convert("Asia/Shanghai").dt.date
    late = (sent_day < ANCHOR - pd.Timedelta(days=30)) & (apps["picked_up_at"].isna() | (picked_day > ANCHOR))
    found = totals("select problem_category, sum(cards) from marts.mart_problem_card group by 1")
    assert found.get("已过期", 0) == len(expired) > 0
    assert found.get("挂失未补", 0) == len(lost)
    assert found.get("制卡未领>30天", 0) == int(late.sum()) > 0
    assert set(frame("select distinct as_of_date from marts.mart_problem_card")["as_of_date"]) == {ANCHOR}


def test_applications_and_funnel_equal_the_applications(built) -> None:
    apps = frame("select * from raw_card_application")
    online = "select channel, sum({}) from marts.mart_online_application group by 1"
    assert totals(online.format("applications")) == apps.groupby("channel").size().to_dict()
    rejected = apps[apps["review_state"] == "审核不通过"]
    found = {channel: n for channel, n in totals(online.format("rejected")).items() if n}
    assert found == rejected.groupby("channel").size().to_dict()
    entered = totals(
        "select stage_name, sum(entered_count) from marts.mart_card_production_funnel group by 1"
    )
    assert entered["申请"] == len(apps)
    approved = (apps["review_state"] != "审核不通过") & apps["reviewed_at"].notna()
    assert entered["审核"] == int(approved.sum())
    assert entered["领卡"] == int(apps["picked_up_at"].notna().sum())


def test_insurance_business_and_source_monitoring_count_every_row(built) -> None:
    counts = totals(
        "select business_category, sum(business_count) from marts.mart_insurance_business group by 1"
    )
    raw = {c: int(frame(f"select count(*) n from {t}")["n"][0]) for c, t in
           [("经办业务", "raw_business_transaction"), ("待遇发放", "raw_benefit_payment"),
            ("医保结算", "raw_medical_settlement")]}  # fmt: skip
    assert counts == raw
    monitoring = frame(f"select * from marts.mart_source_monitoring where logical_date = '{ANCHOR}'")
    batches = frame(f"select route_id, bronze_rows from pipeline.batch where logical_date = '{ANCHOR}'")
    assert sorted(monitoring["route_id"]) == sorted(batches["route_id"])
    merged = monitoring.merge(batches, on="route_id", suffixes=("", "_batch"))
    assert (merged["bronze_rows"] == merged["bronze_rows_batch"]).all()
    assert set(monitoring["reconciliation_status"]) <= {"一致", "不一致", "未对账"}
    assert (monitoring["reconciliation_status"] == "一致").sum() > 0


# The small marts the dashboards read (the chart's grain) beside the query each chart ran on the
# detail mart before: both sides must hold the same rows (EXCEPT ALL treats NULLs as equal).
ROLLUPS = {
    "mart_card_stats_by_county": (
        "select county_code, county_name, stat_name, stat_item, value from marts.mart_card_stats_by_county",
        "select county_code, county_name, stat_name, stat_item, sum(value) from marts.mart_card_stats "
        "group by 1, 2, 3, 4",
    ),
    "mart_card_issuance_county_daily": (
        "select issue_date, county_code, county_name, issue_type, cards "
        "from marts.mart_card_issuance_county_daily",
        "select issue_date, county_code, county_name, issue_type, sum(cards) "
        "from marts.mart_card_issuance_daily group by 1, 2, 3, 4",
    ),
    "mart_card_production_backlog": (
        "select county_code, stage_order || '.' || stage_name, backlog_count, rejected_count "
        "from marts.mart_card_production_backlog",
        "select county_code, stage_order || '.' || stage_name, sum(backlog_count) filter (where "
        "stage_date = (select max(stage_date) from marts.mart_card_production_funnel)), sum(rejected_count) "
        "from marts.mart_card_production_funnel group by county_code, stage_order, stage_name",
    ),
}


@pytest.mark.parametrize("mart", sorted(ROLLUPS))
def test_dashboard_rollups_equal_the_detail_marts(built, mart: str) -> None:
    rollup, detail = ROLLUPS[mart]
    differ = frame(f"(({rollup}) except all ({detail})) union all (({detail}) except all ({rollup}))")
    assert differ.empty, differ
    assert len(frame(rollup)) > 1, f"{mart} 为空，测试无意义"


def test_the_backlog_rollup_reads_the_newest_funnel_day(built) -> None:
    backlog = frame("select * from marts.mart_card_production_backlog")
    assert backlog["backlog_count"].notna().any() and backlog["rejected_count"].sum() > 0
    assert set(backlog["stage_name"]) == set(
        frame("select stage_name from marts.mart_card_production_funnel")["stage_name"]
    )


ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def test_marts_hold_no_personal_data(built) -> None:
    columns = frame(
        "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
    )
    personal = columns[columns["column_name"].str.contains("token|masked|id_number|phone|cipher|card_no")]
    assert personal.empty, personal
    for mart in MARTS:
        text = frame(f"select t::text as row from marts.{mart} t")["row"]
        assert not text.str.contains(ID_NUMBER).any(), mart
