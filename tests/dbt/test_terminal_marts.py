"""The kiosk marts (终端运行监控, 业务统计 设备/网点/预制卡/废卡, 问题卡 领卡失败) on hand-built ops tables.

The kiosk services' tables are not extracted into the lakehouse yet, so this test writes a small,
realistic set of `raw_ops_*` rows (three kiosks, their state changes, an alarm, blank-card additions
and usages, a failed pickup, a kiosk issuance) into a schema of its own, builds the kiosk marts
beside the real ones (`schema_prefix`), and checks them against a plain-Python computation.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from yikatong import db, regions

pytestmark = [pytest.mark.integration, pytest.mark.slow]
OPS, PREFIX = "dbt_test_ops", "dbt_test_"
AS_OF, DAYS = date(2026, 11, 27), 3
BEIJING = timedelta(hours=8)
A, B = (o.code for o in regions.outlets("511102")[:2])
EMEI = regions.outlets("511181")[0].code


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


DEVICES = [("D1", A, "启用", "2026-11-01T00:00"), ("D2", B, "启用", "2026-11-01T00:00"),
           ("D3", EMEI, "停用", "2026-11-01T00:00")]  # fmt: skip
CHANGES = [  # device, at (UTC), kind, to_state
    ("D1", "2026-11-20T00:00", "在线状态", "在线"), ("D1", "2026-11-26T04:00", "在线状态", "离线"),
    ("D1", "2026-11-26T10:00", "在线状态", "在线"), ("D1", "2026-11-20T00:00", "运行情况", "正常"),
    ("D1", "2026-11-26T22:00", "运行情况", "异常"), ("D1", "2026-11-27T04:00", "运行情况", "正常"),
    ("D2", "2026-11-20T00:00", "在线状态", "在线"), ("D2", "2026-11-27T08:00", "在线状态", "离线"),
    ("D2", "2026-11-20T00:00", "运行情况", "正常"),
    ("D2", "2026-11-27T16:30", "在线状态", "在线"),  # Beijing 11-28 00:30: after the business date
]  # fmt: skip
TABLES = {
    "raw_ops_terminal_device": "device_id text, name text, device_type text, outlet_code text, "
    "region_code text, status text, created_at timestamptz",
    "raw_ops_terminal_state_change": "id bigint, device_id text, at timestamptz, kind text, from_state text, "
    "to_state text, faults jsonb, cause text",
    "raw_ops_terminal_selfcheck_item": "selfcheck_id bigint, component text, device_id text, "
    "checked_at timestamptz, result text, level smallint, code text, message text",
    "raw_ops_terminal_alarm": "id bigint, device_id text, alarm_type text, severity text, message text, "
    "status text, raised_at timestamptz, cleared_at timestamptz",
    "raw_ops_card_blank_addition": "id bigint, device_id text, outlet_code text, region_code text, "
    "quantity integer, operator text, added_at timestamptz",
    "raw_ops_card_blank_usage": "id bigint, device_id text, event_id text, outlet_code text, "
    "region_code text, usage text, quantity integer, card_no text, reason text, occurred_at timestamptz",
    "raw_ops_card_issuance": "id bigint, device_id text, event_id text, outlet_code text, region_code text, "
    "issue_type text, card_no text, old_card_no text, issued_at timestamptz",
    "raw_ops_card_finished": "card_no text, device_id text, outlet_code text, region_code text, state text, "
    "read_at timestamptz, picked_up_at timestamptz, failure_reason text, updated_at timestamptz",
}


def _insert(conn, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    conn.execute(
        sa.text(
            f"insert into {OPS}.{table} ({', '.join(columns)}) values ({', '.join(':' + c for c in columns)})"
        ),
        rows,
    )


@pytest.fixture(scope="module")
def kiosk_marts(raw_world):
    """The hand-built ops tables, the kiosk marts built from them, dropped afterwards."""
    from pipeline import transform

    schemas = [OPS, *(PREFIX + s for s in ("staging", "intermediate", "marts", "reference"))]
    engine = db.engine("analytics")
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f"drop schema if exists {schema} cascade"))
        conn.execute(sa.text(f"create schema {OPS}"))
        for table, columns in TABLES.items():
            conn.execute(sa.text(f"create table {OPS}.{table} ({columns})"))
        collected = conn.execute(
            sa.text(
                "select card_no, business_type from raw_card_application where picked_up_at is not null"
                " order by card_no"
            )
        ).first()
        _insert(conn, "raw_ops_terminal_device", [
            {"device_id": d, "name": f"一体机{d}", "device_type": "自助制发卡一体机", "outlet_code": o,
             "region_code": o[:9], "status": s, "created_at": t(at)} for d, o, s, at in DEVICES])  # fmt: skip
        _insert(conn, "raw_ops_terminal_state_change", [
            {"id": i, "device_id": d, "at": t(at), "kind": k, "to_state": s, "cause": "心跳"}
            for i, (d, at, k, s) in enumerate(CHANGES, 1)])  # fmt: skip
        _insert(conn, "raw_ops_terminal_alarm", [
            {"id": 1, "device_id": "D1", "alarm_type": "部件故障", "severity": "严重", "status": "未处理",
             "raised_at": t("2026-11-26T22:30")}])  # fmt: skip
        _insert(conn, "raw_ops_card_blank_addition", [
            {"id": 1, "device_id": "D1", "outlet_code": A, "region_code": A[:9], "quantity": 50,
             "operator": "szq_admin", "added_at": t("2026-11-20T02:00")},
            {"id": 2, "device_id": "D1", "outlet_code": A, "region_code": A[:9], "quantity": 30,
             "operator": "szq_admin", "added_at": t("2026-11-26T02:00")}])  # fmt: skip
        _insert(conn, "raw_ops_card_blank_usage", [
            {"id": i, "device_id": "D1", "event_id": f"E{i}", "outlet_code": A, "region_code": A[:9],
             "usage": u, "quantity": q, "occurred_at": t(at)}
            for i, (u, q, at) in enumerate([("制卡", 1, "2026-11-26T03:00"), ("制卡", 2, "2026-11-27T03:00"),
                                            ("废卡", 1, "2026-11-27T05:00")], 1)])  # fmt: skip
        _insert(conn, "raw_ops_card_issuance", [
            {"id": 1, "device_id": "D1", "event_id": "I1", "outlet_code": A, "region_code": A[:9],
             "issue_type": "领卡", "card_no": collected.card_no,
             "issued_at": t("2026-11-27T01:00")}])  # fmt: skip
        _insert(conn, "raw_ops_card_finished", [
            {"card_no": "B99999991", "device_id": "D1", "outlet_code": A, "region_code": A[:9],
             "state": "领卡失败", "read_at": t("2026-11-25T01:00"), "failure_reason": "人证比对不一致",
             "updated_at": t("2026-11-25T02:00")}])  # fmt: skip
    variables = {
        "ops_schema": OPS,
        "schema_prefix": PREFIX,
        "as_of": AS_OF.isoformat(),
        "terminal_days": DAYS,
    }
    selection = ["+mart_terminal_status", "+mart_card_stats", "+mart_problem_card"]
    # cautious: no tests of the marts left out of the selection (relationships to dim_region)
    command = ["build", "--select", *selection, "--indirect-selection", "cautious"]
    result = transform.invoke([*command, "--vars", json.dumps(variables)])
    yield result, collected
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f"drop schema if exists {schema} cascade"))


def frame(sql: str) -> pd.DataFrame:
    with db.engine("analytics").connect() as conn:
        return pd.read_sql(sa.text(sql), conn)


def expected_device_days() -> dict[tuple[str, date], dict[str, float]]:
    """Seconds per device, Beijing day and state, from the changes (the reference computation)."""
    end = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time(), UTC) - BEIJING
    seconds: dict[tuple[str, date], dict[str, float]] = {}
    for device, *_ in DEVICES:
        for offset in range(DAYS):
            seconds[(device, AS_OF - timedelta(days=offset))] = {"在线": 0.0, "正常": 0.0, "异常": 0.0}
    for device, kind in {(d, k) for d, _, k, _ in CHANGES}:
        steps = sorted((t(at), s) for d, at, k, s in CHANGES if d == device and k == kind and t(at) < end)
        for (start, state), (stop, _) in zip(steps, [*steps[1:], (end, None)], strict=True):
            for (dev, day), acc in seconds.items():
                day_start = datetime.combine(day, datetime.min.time(), UTC) - BEIJING
                overlap = (min(stop, day_start + timedelta(days=1)) - max(start, day_start)).total_seconds()
                if dev == device and overlap > 0 and state in acc:
                    acc[state] += overlap
    return seconds


def test_kiosk_marts_build_with_their_tests(kiosk_marts) -> None:
    result, _ = kiosk_marts
    assert result.success, result.failures
    assert result.statuses.get("pass", 0) > 10, result.statuses


def test_terminal_rates_equal_the_state_intervals(kiosk_marts) -> None:
    mart = frame(f"select * from {PREFIX}marts.mart_terminal_status")
    expected = expected_device_days()
    assert {(r.device_id, r.status_date) for r in mart.itertuples()} == set(expected)
    for row in mart.itertuples():
        want = expected[(row.device_id, row.status_date)]
        assert float(row.online_rate) == round(want["在线"] / 86400, 4), row
        assert float(row.running_rate) == round(want["正常"] / 86400, 4), row
        assert float(row.fault_rate) == round(want["异常"] / 86400, 4), row
    d1 = mart.set_index(["device_id", "status_date"]).loc[("D1", AS_OF)]
    assert (d1.county_code, d1.outlet_code, bool(d1.had_fault), d1.alarms_raised) == ("511102", A, True, 1)
    assert float(d1.fault_rate) == 0.25 and float(d1.online_rate) == 1.0


def test_statistics_follow_the_definitions(kiosk_marts) -> None:
    _, collected = kiosk_marts
    stats = frame(f"select * from {PREFIX}marts.mart_card_stats")
    on_date = stats[stats["stat_date"] == AS_OF]

    def value(name: str, item: str, frame_=on_date, **where) -> int:
        rows = frame_[(frame_["stat_name"] == name) & (frame_["stat_item"] == item)]
        for column, wanted in where.items():
            rows = rows[rows[column] == wanted]
        return int(rows["value"].sum())

    assert [value("设备", i) for i in ("合计", "启用", "停用", "在线", "离线")] == [3, 2, 1, 1, 2]
    assert value("设备", "合计", county_code="511181") == 1
    assert (value("网点", "合计"), value("网点", "启用")) == (3, 2), "outlets with a kiosk / an enabled one"
    # 使用 = 制卡 + 废卡 (services/cards/stats.py): 1 + 2 + 1 of the 80 added
    assert [value("预制卡", i, device_id="D1") for i in ("数量", "已使用", "未使用")] == [80, 4, 76]
    day_before = stats[stats["stat_date"] == AS_OF - timedelta(days=1)]
    assert (value("预制卡", "添加", day_before), value("预制卡", "使用", day_before)) == (30, 1)
    assert (value("废卡", "合计"), value("预制卡", "使用")) == (1, 3)
    kind = {"申领": "发卡", "补卡": "补卡", "换卡": "换卡"}[collected.business_type]
    by_kiosk = stats[(stats["device_id"] == "D1") & (stats["stat_item"] == "合计")]
    by_kiosk = by_kiosk[by_kiosk["stat_name"].isin(["发卡", kind])]
    assert set(by_kiosk["stat_name"]) == {"发卡", kind} and set(by_kiosk["value"]) == {1}
    assert set(by_kiosk["outlet_code"]) == {A}, "counted at the kiosk that issued it"


def test_failed_pickup_is_a_problem_card(kiosk_marts) -> None:
    problems = frame(f"select * from {PREFIX}marts.mart_problem_card where problem_category = '领卡失败'")
    assert list(zip(problems["county_code"], problems["township_code"], problems["cards"], strict=True)) == [
        ("511102", A[:9], 1)
    ]
