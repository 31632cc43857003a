"""Running state and online monitoring (seed 2.3) under a controlled clock: heartbeats with
component status → 正常 / 异常, online → offline by the sweeper after the timeout, every
transition in the history, alarms raised on transitions and cleared when the device recovers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from services.terminals import clock
from services.terminals.sweeper import sweep_offline
from tests.services.helpers import sql
from tests.services.monitoring_helpers import heartbeat, kiosk, signed
from yikatong.settings import get_settings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
STATES = "/api/v1/admin/device-states"


def t0() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def state(client, staff, device_id: str) -> dict:
    response = await client.get(f"{STATES}/{device_id}", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def history(client, staff, device_id: str) -> list[tuple]:
    response = await client.get(f"{STATES}/{device_id}/history", headers=staff.headers)
    assert response.status_code == 200, response.text
    return [
        (c["kind"], c["from_state"], c["to_state"], c["cause"]) for c in reversed(response.json()["items"])
    ]


def open_alarms(device_id: str) -> list[tuple]:
    return sql(
        "select alarm_type, severity, status from terminal_alarm where device_id = :d and status <> '已清除'"
        " order by alarm_type",
        d=device_id,
    )


async def test_online_then_offline_after_the_timeout_then_back(client, cast):
    k, start = await kiosk(client, cast.shizhong.headers, 1), t0()
    timeout = get_settings().device_online_timeout_s
    assert (await state(client, cast.shizhong, k.device_id))["online_state"] == "离线"  # never seen
    with clock.use(start):
        beat = await heartbeat(client, k)
    assert beat.json()["running_state"] == "正常" and beat.json()["faults"] == []
    now = await state(client, cast.shizhong, k.device_id)
    assert (now["online_state"], now["running_state"]) == ("在线", "正常")
    assert now["last_heartbeat_at"] == start.isoformat().replace("+00:00", "Z")

    assert await sweep_offline(start + timedelta(seconds=timeout - 1)) == []
    assert await sweep_offline(start + timedelta(seconds=timeout + 1)) == [k.device_id]
    assert await sweep_offline(start + timedelta(seconds=timeout + 120)) == []  # flipped once
    assert (await state(client, cast.shizhong, k.device_id))["online_state"] == "离线"
    assert open_alarms(k.device_id) == [("offline", "严重", "未处理")]

    with clock.use(start + timedelta(seconds=timeout + 200)):
        await heartbeat(client, k)
    assert (await state(client, cast.shizhong, k.device_id))["online_state"] == "在线"
    assert open_alarms(k.device_id) == []
    assert sql("select clear_reason, cleared_by from terminal_alarm") == [("自动恢复", "system")]
    assert await history(client, cast.shizhong, k.device_id) == [
        ("在线状态", None, "在线", "心跳"),
        ("运行情况", "未知", "正常", "心跳"),
        ("在线状态", "在线", "离线", "超时"),
        ("在线状态", "离线", "在线", "心跳"),
    ]


async def test_concurrent_sweepers_flip_each_device_once(client, cast):
    kiosks, start = [await kiosk(client, cast.shizhong.headers, n) for n in (1, 2, 3)], t0()
    with clock.use(start):
        for k in kiosks:
            await heartbeat(client, k)
    later = start + timedelta(seconds=get_settings().device_online_timeout_s + 5)
    results = await asyncio.gather(*(sweep_offline(later) for _ in range(4)))
    flipped = [d for r in results for d in r]
    assert sorted(flipped) == sorted(k.device_id for k in kiosks)
    assert sql("select count(*) from terminal_state_change where to_state = '离线'") == [(3,)]
    assert sql("select count(*) from terminal_alarm where alarm_type = 'offline'") == [(3,)]


async def test_component_faults_drive_running_state_and_alarms(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await heartbeat(client, k)
    low = await heartbeat(client, k, ribbon={"status": "正常", "level": 4})
    assert low.json() == low.json() | {"running_state": "异常", "faults": ["ribbon"]}
    await heartbeat(client, k, ribbon={"status": "正常", "level": 3})  # same fault: no new transition
    assert open_alarms(k.device_id) == [("ribbon", "一般", "未处理")]
    [(message,)] = sql("select message from terminal_alarm where alarm_type = 'ribbon'")
    assert message == "色带余量不足（4%）"

    camera = {"status": "异常", "code": "E301", "message": "无图像"}
    now = await heartbeat(client, k, camera=camera, card_reader={"status": "异常"})
    assert now.json()["faults"] == ["card_reader", "camera"]  # ribbon is back (level 80)
    detail = await state(client, cast.shizhong, k.device_id)
    assert detail["running_state"] == "异常"
    assert [f["label"] for f in detail["faults"]] == ["读卡器", "摄像头"]
    assert detail["components"]["camera"] == camera
    assert open_alarms(k.device_id) == [("camera", "一般", "未处理"), ("card_reader", "严重", "未处理")]

    plain = await signed(client, k, "/api/v1/device/heartbeat", {"software_version": "2.2.0"})
    assert plain.json()["running_state"] is None  # no components: the running state stands
    assert (await state(client, cast.shizhong, k.device_id))["software_version"] == "2.2.0"
    await heartbeat(client, k)
    assert open_alarms(k.device_id) == []
    assert [h[1:3] for h in await history(client, cast.shizhong, k.device_id) if h[0] == "运行情况"] == [
        ("未知", "正常"),
        ("正常", "异常"),
        ("异常", "异常"),
        ("异常", "正常"),
    ]
    assert sql("select count(*) from terminal_alarm") == [(3,)]


async def test_state_list_filters_and_scope(client, cast):
    a, b, c = [await kiosk(client, cast.shizhong.headers, n) for n in (1, 2, 3)]
    e = await kiosk(client, cast.emei.headers, 1, county="511181")
    await heartbeat(client, a)
    await heartbeat(client, b, paper={"status": "正常", "level": 0})
    await heartbeat(client, e, network={"status": "异常"})

    async def ids(**params):
        response = await client.get(STATES, params=params, headers=cast.shizhong.headers)
        assert response.status_code == 200, response.text
        return [s["device_id"] for s in response.json()["items"]]

    assert await ids() == [a.device_id, b.device_id, c.device_id]
    assert await ids(online_state="在线") == [a.device_id, b.device_id]
    assert await ids(online_state="离线") == [c.device_id]
    assert await ids(running_state="异常") == [b.device_id]
    assert await ids(running_state="未知") == [c.device_id]
    assert await ids(device_id="0002") == [b.device_id]
    assert await ids(region="511181") == []
    city = await client.get(STATES, params={"running_state": "异常"}, headers=cast.sysadmin.headers)
    assert [s["device_id"] for s in city.json()["items"]] == [b.device_id, e.device_id]
    for path in (f"{STATES}/{{}}", f"{STATES}/{{}}/history"):
        other = await client.get(path.format(e.device_id), headers=cast.shizhong.headers)
        missing = await client.get(path.format("LS-511181-9999"), headers=cast.shizhong.headers)
        assert other.status_code == 404 and other.json() == missing.json()


async def test_bad_heartbeats_are_refused_and_nothing_is_written(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    from tests.services.monitoring_helpers import components

    parts = components()
    bad = [
        components(ribbon={"status": "正常", "level": 101}),
        components(camera={"status": "坏了"}),
        components(network={"status": "正常", "extra": 1}),
        {**parts, "toaster": {"status": "正常"}},
        {k2: v for k2, v in parts.items() if k2 != "paper"},
    ]
    for body in bad:
        response = await signed(client, k, "/api/v1/device/heartbeat", {"components": body})
        assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR"), response.text
    assert sql("select count(*) from terminal_state") == [(0,)]
    assert sql("select last_seen_at from terminal_device") == [(None,)]
