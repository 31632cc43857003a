"""Heartbeat device time, numeric component values, the per-worker device cache (issue 5, part 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.services.helpers import sql
from tests.services.monitoring_helpers import components, kiosk, signed

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
HEARTBEAT, SELFCHECK = "/api/v1/device/heartbeat", "/api/v1/device/selfchecks"


def _iso(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def test_heartbeat_keeps_the_device_time_within_the_skew(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    sent = datetime.now(UTC) - timedelta(minutes=2)
    body = {"device_time": sent.isoformat(), "components": components()}
    assert (await signed(client, k, HEARTBEAT, body)).status_code == 200
    [(stored,)] = sql("select device_time from terminal_state where device_id = :d", d=k.device_id)
    assert abs(stored - sent) < timedelta(milliseconds=1)


@pytest.mark.parametrize("delta", [timedelta(minutes=-10), timedelta(minutes=10), timedelta(days=-20)])
async def test_a_skewed_or_past_device_time_is_refused_and_nothing_changes(client, cast, delta):
    k = await kiosk(client, cast.shizhong.headers, 1)
    response = await signed(client, k, HEARTBEAT, {"device_time": _iso(delta), "components": components()})
    assert response.status_code == 422
    assert response.json()["code"] and "校准" in response.text
    assert sql("select count(*) from terminal_state where device_id = :d", d=k.device_id) == [(0,)]
    assert sql("select last_seen_at from terminal_device where device_id = :d", d=k.device_id) == [(None,)]


async def test_a_device_time_without_a_zone_is_refused(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    body = {"device_time": datetime.now().isoformat(), "components": components()}
    assert (await signed(client, k, HEARTBEAT, body)).status_code == 422


async def test_component_values_decide_consumables_when_no_level_is_sent(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    parts = components(ribbon={"status": "正常", "value": 3}, card_reader={"status": "正常", "value": 12})
    answer = await signed(client, k, HEARTBEAT, {"components": parts})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["running_state"], answer.json()["faults"]) == ("异常", ["ribbon"])
    [(message,)] = sql("select message from terminal_alarm where device_id = :d", d=k.device_id)
    assert message == "色带余量不足（3%）"


async def test_selfcheck_items_store_their_numeric_value(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    items = [
        {"component": "card_reader", "result": "正常", "value": 7, "message": "读卡重试 7 次"},
        {"component": "paper", "result": "正常", "value": 2.5},
        {"component": "card_printer", "result": "正常", "value": 41.5},
        {"component": "ribbon", "result": "正常", "level": 60},  # an older client: level only
    ]
    answer = await signed(client, k, SELFCHECK, {"checked_at": _iso(), "items": items})
    assert answer.status_code == 201, answer.text
    rows = sql("select component, value, level from terminal_selfcheck_item order by component")
    assert rows == [("card_printer", 41.5, None), ("card_reader", 7.0, None), ("paper", 2.5, None),
                    ("ribbon", None, 60)]  # fmt: skip
    assert sql("select result, failed_count from terminal_selfcheck") == [("未通过", 1)]  # paper 2.5 % < 5 %
    detail = await client.get(
        f"/api/v1/admin/selfchecks/{answer.json()['id']}", headers=cast.shizhong.headers
    )
    values = {i["component"]: (i["value"], i["fine"]) for i in detail.json()["items"]}
    assert values["paper"] == (2.5, False) and values["card_reader"] == (7.0, True)


@pytest.mark.parametrize("value", [1e9, -1000, "NaN"])
async def test_absurd_values_are_refused_and_nothing_is_written(client, cast, value):
    k = await kiosk(client, cast.shizhong.headers, 1)
    items = [{"component": "card_reader", "result": "正常", "value": value}]
    assert (await signed(client, k, SELFCHECK, {"checked_at": _iso(), "items": items})).status_code == 422
    parts = components(network={"status": "正常", "value": value})
    assert (await signed(client, k, HEARTBEAT, {"components": parts})).status_code == 422
    assert sql("select count(*) from terminal_selfcheck") == [(0,)]
    assert sql("select count(*) from terminal_state") == [(0,)]


async def test_a_device_changed_behind_this_workers_back_is_seen_at_once(client, cast):
    """The cached device is checked by the nonce insert itself: a deactivation or a new secret
    written by another worker (here: straight SQL, not through this process) takes effect now."""
    k = await kiosk(client, cast.shizhong.headers, 1)
    assert (await signed(client, k, HEARTBEAT, {})).status_code == 200  # cached now
    sql("update terminal_device set status = '停用' where device_id = :d", d=k.device_id)
    refused = await signed(client, k, HEARTBEAT, {})
    assert (refused.status_code, refused.json()["code"]) == (403, "DEVICE_DISABLED")
    sql("update terminal_device set status = '启用', updated_at = now() where device_id = :d", d=k.device_id)
    assert (await signed(client, k, HEARTBEAT, {})).status_code == 200


async def test_one_commit_keeps_the_nonce_with_the_heartbeat_and_a_refusal_burns_it(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    nonce = "n" * 20
    bad = await signed(client, k, HEARTBEAT, {"software_version": "x" * 40}, nonce=nonce)
    assert bad.status_code == 422
    assert sql("select count(*) from device_nonce where nonce = :n", n=nonce) == [(1,)]  # not replayable
    again = await signed(client, k, HEARTBEAT, {}, nonce=nonce)
    assert (again.status_code, again.json()["code"]) == (409, "NONCE_REPLAYED")
    read = await signed(client, k, "/api/v1/device/heartbeat", {}, nonce="m" * 20)
    assert read.status_code == 200
    assert sql("select count(*) from device_nonce") == [(2,)]


async def test_history_heartbeats_are_applied_with_the_platforms_rules_at_their_device_time(client, cast):
    """`ykt simulate fleet history`: past heartbeats through the service's own state code at their
    time; a missed one is the sweeper at that time; a device already newer is left alone."""
    from simulators import kiosk_state_history as history
    from simulators.kiosk_model import Kiosk

    k = await kiosk(client, cast.shizhong.headers, 1)
    model = Kiosk(k.device_id, "511102004001", 0, seed=3)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    assert await history.replayable(k.device_id, start)
    hours = [start + timedelta(hours=h) for h in range(1, 7)]
    assert all([await history.replay_hour(model, at) for at in hours[:5]])
    model.offline_until = hours[5] + timedelta(hours=2)  # the network is down: no heartbeat
    assert await history.replay_hour(model, hours[5]) is False
    online = sql(
        "select at, from_state, to_state, cause from terminal_state_change"
        " where device_id = :d and kind = '在线状态' order by at",
        d=k.device_id,
    )
    assert online == [(hours[0], None, "在线", "心跳"), (hours[5], "在线", "离线", "超时")]
    offline = "select raised_at, status from terminal_alarm where device_id = :d and alarm_type = 'offline'"
    assert sql(offline, d=k.device_id) == [(hours[5], "未处理")]
    assert sql("select last_heartbeat_at, device_time from terminal_state") == [(hours[4], hours[4])]
    assert not await history.replayable(k.device_id, hours[2])  # newer state: not overwritten
