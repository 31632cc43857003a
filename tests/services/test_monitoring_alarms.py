"""Alarms and work orders (seed 2.3) through HTTP: acknowledge, clear, fault → work order → repair
record → close; permissions of every monitoring route for every role; another county's alarm or
order is the same 404 as a missing one; every staff action lands in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.base.permissions import ROLE_PERMISSIONS, Perm, Role
from tests.services.helpers import make_staff, sql
from tests.services.monitoring_helpers import heartbeat, kiosk

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ALARMS, ORDERS = "/api/v1/admin/alarms", "/api/v1/admin/work-orders"


async def faulty_kiosk(client, staff, seq: int = 1, county: str = "511102"):
    k = await kiosk(client, staff.headers, seq, county=county)
    await heartbeat(client, k, card_reader={"status": "异常", "code": "E101", "message": "卡座堵塞"})
    [alarm] = (await client.get(ALARMS, params={"device_id": k.device_id}, headers=staff.headers)).json()[
        "items"
    ]
    return k, alarm


async def test_acknowledge_and_clear(client, cast):
    h = cast.shizhong.headers
    _, alarm = await faulty_kiosk(client, cast.shizhong)
    assert (alarm["alarm_type"], alarm["alarm_label"], alarm["severity"], alarm["status"]) == (
        "card_reader", "读卡器", "严重", "未处理",
    )  # fmt: skip
    assert alarm["message"] == "读卡器异常：E101 卡座堵塞"
    ack = await client.post(f"{ALARMS}/{alarm['id']}/acknowledge", headers=h)
    assert ack.status_code == 200 and ack.json()["status"] == "已确认"
    assert ack.json()["acknowledged_by"] == "szq_admin"
    again = await client.post(f"{ALARMS}/{alarm['id']}/acknowledge", headers=h)
    assert (again.status_code, again.json()["code"]) == (409, "ALARM_NOT_OPEN")
    no_note = await client.post(f"{ALARMS}/{alarm['id']}/clear", headers=h, json={})
    assert (no_note.status_code, no_note.json()["code"]) == (422, "NOTE_REQUIRED")
    cleared = await client.post(f"{ALARMS}/{alarm['id']}/clear", headers=h, json={"note": "已现场处理"})
    assert cleared.json()["status"] == "已清除" and cleared.json()["clear_reason"] == "已现场处理"
    twice = await client.post(f"{ALARMS}/{alarm['id']}/clear", headers=h, json={"note": "再次"})
    assert (twice.status_code, twice.json()["code"]) == (409, "ALARM_ALREADY_CLEARED")
    listed = await client.get(ALARMS, params={"status": "已清除", "severity": "严重"}, headers=h)
    assert [a["id"] for a in listed.json()["items"]] == [alarm["id"]]
    assert (await client.get(ALARMS, params={"status": "未处理"}, headers=h)).json()["total"] == 0
    bad = await client.get(ALARMS, params={"alarm_type": "toaster"}, headers=h)
    assert bad.status_code == 422
    audit = sql("select action, result, object_id from audit_log where action like 'alarm.%' order by seq")
    assert [(a, r) for a, r, _ in audit] == [
        ("alarm.list", "成功"), ("alarm.acknowledge", "成功"), ("alarm.acknowledge", "失败"),
        ("alarm.clear", "失败"), ("alarm.clear", "成功"), ("alarm.clear", "失败"),
        ("alarm.list", "成功"), ("alarm.list", "成功"), ("alarm.list", "失败"),
    ]  # fmt: skip
    assert audit[1][2] == str(alarm["id"])


async def test_fault_to_work_order_to_repair_to_close(client, cast):
    h = cast.shizhong.headers
    k, alarm = await faulty_kiosk(client, cast.shizhong)
    body = {"alarm_id": alarm["id"], "assignee": "王师傅", "assignee_phone": "13800001111"}
    created = await client.post(ORDERS, headers=h, json=body)
    assert created.status_code == 201, created.text
    order = created.json()
    assert (order["status"], order["fault"], order["device_id"]) == ("已派单", alarm["message"], k.device_id)
    linked = (await client.get(f"{ALARMS}/{alarm['id']}", headers=h)).json()
    assert (linked["status"], linked["work_order_id"]) == ("已确认", order["id"])
    dup = await client.post(ORDERS, headers=h, json=body)
    assert (dup.status_code, dup.json()["code"]) == (409, "ALARM_HAS_WORK_ORDER")

    url = f"{ORDERS}/{order['id']}"
    early = await client.post(f"{url}/close", headers=h, json={})
    assert (early.status_code, early.json()["code"]) == (409, "WORK_ORDER_NOT_REPAIRED")
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    bad_time = await client.post(f"{url}/repairs", headers=h, json={
        "repairer": "王师傅", "action": "清理卡座", "result": "已修复", "repaired_at": future})  # fmt: skip
    assert (bad_time.status_code, bad_time.json()["code"]) == (422, "BAD_REPAIR_TIME")
    first = await client.post(
        f"{url}/repairs", headers=h, json={"repairer": "王师傅", "action": "清理卡座", "result": "未修复"}
    )
    assert first.status_code == 201 and first.json()["status"] == "维修中"
    fixed = await client.post(
        f"{url}/repairs", headers=h, json={"repairer": "王师傅", "action": "更换读卡模块", "result": "已修复"}
    )
    assert fixed.json()["status"] == "已修复" and len(fixed.json()["repairs"]) == 2
    closed = await client.post(f"{url}/close", headers=h, json={"note": "复测正常"})
    assert closed.status_code == 200 and closed.json()["status"] == "已关闭"
    assert closed.json()["closed_by"] == "szq_admin"
    late = await client.post(
        f"{url}/repairs", headers=h, json={"repairer": "x", "action": "y", "result": "已修复"}
    )
    assert (late.status_code, late.json()["code"]) == (409, "WORK_ORDER_CLOSED")
    detail = (await client.get(url, headers=h)).json()
    assert [r["action"] for r in detail["repairs"]] == ["清理卡座", "更换读卡模块"]
    assert (await client.get(ORDERS, params={"status": "已关闭"}, headers=h)).json()["total"] == 1

    direct = await client.post(
        ORDERS, headers=h, json={"device_id": k.device_id, "fault": "触摸屏失灵", "assignee": "李工"}
    )
    assert direct.status_code == 201 and direct.json()["alarm_id"] is None
    for wrong in (
        {"alarm_id": alarm["id"], "device_id": k.device_id, "assignee": "x"},
        {"device_id": k.device_id, "assignee": "x"},
        {"device_id": k.device_id, "fault": "x", "assignee": "x", "assignee_phone": "12345"},
        {"device_id": k.device_id, "fault": "=1+1", "assignee": "x"},
    ):
        response = await client.post(ORDERS, headers=h, json=wrong)
        assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR"), wrong
    assert sql("select count(*) from terminal_work_order") == [(2,)]
    actions = [
        a for (a,) in sql("select action from audit_log where action like 'work_order.%' and result = '成功'")
    ]
    assert actions.count("work_order.create") == 2 and actions.count("work_order.repair") == 2
    assert "work_order.close" in actions


async def test_other_county_alarm_and_order_are_not_found(client, cast):
    _, alarm = await faulty_kiosk(client, cast.emei, county="511181")
    order = (
        await client.post(
            ORDERS, headers=cast.emei.headers, json={"alarm_id": alarm["id"], "assignee": "峨眉师傅"}
        )
    ).json()
    before = (
        sql("select status, acknowledged_by, cleared_by from terminal_alarm"),
        sql("select status from terminal_work_order"),
    )
    routes = [
        ("GET", f"{ALARMS}/{{}}", None, alarm["id"]),
        ("POST", f"{ALARMS}/{{}}/acknowledge", None, alarm["id"]),
        ("POST", f"{ALARMS}/{{}}/clear", {"note": "越权"}, alarm["id"]),
        ("GET", f"{ORDERS}/{{}}", None, order["id"]),
        ("POST", f"{ORDERS}/{{}}/repairs", {"repairer": "x", "action": "y", "result": "已修复"}, order["id"]),
        ("POST", f"{ORDERS}/{{}}/close", {}, order["id"]),
    ]
    for method, template, body, own_id in routes:
        other = await client.request(
            method, template.format(own_id), headers=cast.shizhong.headers, json=body
        )
        missing = await client.request(
            method, template.format(987654321), headers=cast.shizhong.headers, json=body
        )
        assert other.status_code == 404 and other.json() == missing.json(), (method, template)
    steal = await client.post(
        ORDERS, headers=cast.shizhong.headers, json={"alarm_id": alarm["id"], "assignee": "x"}
    )
    assert steal.status_code == 404
    after = (
        sql("select status, acknowledged_by, cleared_by from terminal_alarm"),
        sql("select status from terminal_work_order"),
    )
    assert after == before
    for url in (ALARMS, ORDERS):
        assert (await client.get(url, headers=cast.shizhong.headers)).json()["total"] == 0
        assert (await client.get(url, headers=cast.sysadmin.headers)).json()["total"] == 1


MONITORING_ENDPOINTS = [
    ("GET", "/api/v1/admin/selfchecks", Perm.MONITOR_READ),
    ("GET", "/api/v1/admin/selfchecks/1", Perm.MONITOR_READ),
    ("GET", "/api/v1/admin/device-logs", Perm.MONITOR_READ),
    ("GET", "/api/v1/admin/device-states", Perm.MONITOR_READ),
    ("GET", "/api/v1/admin/device-states/LS-511102-9999", Perm.MONITOR_READ),
    ("GET", "/api/v1/admin/device-states/LS-511102-9999/history", Perm.MONITOR_READ),
    ("GET", ALARMS, Perm.MONITOR_READ),
    ("GET", f"{ALARMS}/1", Perm.MONITOR_READ),
    ("POST", f"{ALARMS}/1/acknowledge", Perm.MONITOR_MANAGE),
    ("POST", f"{ALARMS}/1/clear", Perm.MONITOR_MANAGE),
    ("GET", ORDERS, Perm.MONITOR_READ),
    ("POST", ORDERS, Perm.MONITOR_MANAGE),
    ("GET", f"{ORDERS}/1", Perm.MONITOR_READ),
    ("POST", f"{ORDERS}/1/repairs", Perm.MONITOR_MANAGE),
    ("POST", f"{ORDERS}/1/close", Perm.MONITOR_MANAGE),
]


async def test_every_role_against_every_monitoring_endpoint(client):
    for role in Role:
        staff = make_staff(f"m.{role.value}", role, "511100")
        for method, path, permission in MONITORING_ENDPOINTS:
            response = await client.request(method, path, headers=staff.headers, json={"note": "x"})
            allowed = permission in ROLE_PERMISSIONS[role]
            assert (response.status_code != 403) is allowed, f"{role} {method} {path}: {response.status_code}"
            if not allowed:
                assert response.json()["code"] == "FORBIDDEN" and role.label in response.json()["message"]
