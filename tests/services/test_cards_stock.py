"""预制卡台账 through HTTP: additions by staff, consumption by signed kiosk events, exact under 50
concurrent consumers, and every bad input refused with a 4xx and nothing written."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.services.cards_support import BLANK, add_blank, event_id, kiosk, now_iso
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def ledger(device_id: str) -> tuple[int, int] | None:
    rows = sql("select added_total, used_total from card_blank_stock where device_id = :d", d=device_id)
    return tuple(rows[0]) if rows else None


def counts() -> tuple:
    return sql(
        "select (select count(*) from card_blank_addition), (select count(*) from card_blank_usage),"
        " (select coalesce(sum(added_total), 0) from card_blank_stock),"
        " (select coalesce(sum(used_total), 0) from card_blank_stock)"
    )[0]


async def test_additions_sum_up_and_are_listed_with_operator(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    first = await add_blank(client, cast.shizhong.headers, k.device_id, 200)
    assert first.status_code == 201, first.text
    assert first.json()["ledger"] | {"updated_at": None} == first.json()["ledger"] | {
        "added_total": 200,
        "used_total": 0,
        "remaining": 200,
        "updated_at": None,
    }
    body = {"quantity": 50, "remark": "第二箱"}
    second = await client.post(f"{BLANK}/{k.device_id}/additions", headers=cast.sysadmin.headers, json=body)
    assert (
        second.json()["ledger"]["added_total"] == 250 and second.json()["addition"]["operator"] == "sysadmin"
    )
    details = (await client.get(f"{BLANK}/{k.device_id}/additions", headers=cast.shizhong.headers)).json()
    assert [(a["quantity"], a["operator"], a["remark"]) for a in details["items"]] == [
        (50, "sysadmin", "第二箱"),
        (200, "szq_admin", None),
    ]
    assert ledger(k.device_id) == (250, 0)
    detail = (await client.get(f"{BLANK}/{k.device_id}", headers=cast.shizhong.headers)).json()
    assert (detail["added_total"], detail["used_total"], detail["remaining"]) == (250, 0, 250)
    assert detail["device_status"] == "启用" and detail["outlet_name"]
    [(detail,)] = sql("select detail from audit_log where action = 'blank_card.add' and actor = 'sysadmin'")
    assert '"quantity": 50' in detail


async def test_list_shows_every_device_and_finds_the_ones_to_refill(client, cast):
    low = await kiosk(client, cast.shizhong.headers, 1)
    full = await kiosk(client, cast.shizhong.headers, 2)
    await kiosk(client, cast.emei.headers, 1, county="511181")
    await add_blank(client, cast.shizhong.headers, low.device_id, 5)
    await add_blank(client, cast.shizhong.headers, full.device_id, 300)
    page = (await client.get(BLANK, headers=cast.shizhong.headers)).json()
    assert page["total"] == 2
    assert [(r["device_id"], r["remaining"]) for r in page["items"]] == [
        (low.device_id, 5),
        (full.device_id, 300),
    ]
    refill = (await client.get(f"{BLANK}?max_remaining=10", headers=cast.shizhong.headers)).json()
    assert [r["device_id"] for r in refill["items"]] == [low.device_id]
    city = (await client.get(BLANK, headers=cast.sysadmin.headers)).json()
    assert city["total"] == 3 and city["items"][-1]["added_total"] == 0  # never stocked: 0 / 0 / 0


async def test_kiosk_use_counts_down_and_never_below_zero(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await add_blank(client, cast.shizhong.headers, k.device_id, 3)
    used = await k.use("制卡")
    assert used.status_code == 200, used.text
    assert used.json() == {
        "device_id": k.device_id,
        "added_total": 3,
        "used_total": 1,
        "remaining": 2,
        "duplicate": False,
    }
    assert (await k.use("废卡", quantity=2)).json()["remaining"] == 0
    refused = await k.use("废卡")
    assert refused.status_code == 409 and refused.json()["code"] == "STOCK_INSUFFICIENT"
    assert refused.json()["detail"] == {"remaining": 0, "requested": 1}
    assert ledger(k.device_id) == (3, 3)
    assert sql("select usage, quantity from card_blank_usage order by id") == [("制卡", 1), ("废卡", 2)]
    balance = await k.call("GET", "/api/v1/device/blank-cards")
    assert balance.json()["remaining"] == 0
    usages = (await client.get(f"{BLANK}/{k.device_id}/usages", headers=cast.shizhong.headers)).json()
    assert [u["usage"] for u in usages["items"]] == ["废卡", "制卡"]


async def test_a_resent_event_counts_once(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await add_blank(client, cast.shizhong.headers, k.device_id, 10)
    same = {
        "event_id": event_id(),
        "usage": "废卡",
        "quantity": 2,
        "reason": "卡面污损",
        "occurred_at": now_iso(),
    }
    first, again = await k.post("/blank-cards/usage", same), await k.post("/blank-cards/usage", same)
    assert first.json()["remaining"] == 8 and first.json()["duplicate"] is False
    assert again.json()["remaining"] == 8 and again.json()["duplicate"] is True
    assert ledger(k.device_id) == (10, 2)


async def test_fifty_concurrent_consumers_take_exactly_the_stock(client, cast):
    """50 signed kiosk requests race for 30 cards: 30 succeed, 20 are refused, 未使用 ends at 0."""
    k = await kiosk(client, cast.shizhong.headers, 1)
    await add_blank(client, cast.shizhong.headers, k.device_id, 30)
    responses = await asyncio.gather(*(k.use("废卡") for _ in range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 30 and statuses.count(409) == 20, statuses
    assert ledger(k.device_id) == (30, 30)
    assert sql("select count(*), sum(quantity) from card_blank_usage") == [(30, 30)]
    remaining = sorted(r.json()["remaining"] for r in responses if r.status_code == 200)
    assert remaining == list(range(30))  # every success saw a distinct balance: no lost update


async def test_concurrent_additions_and_uses_stay_exact(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await add_blank(client, cast.shizhong.headers, k.device_id, 10)
    adds = [add_blank(client, cast.shizhong.headers, k.device_id, 2) for _ in range(10)]
    uses = [k.use("废卡") for _ in range(40)]
    results = await asyncio.gather(*adds, *uses)
    assert all(r.status_code == 201 for r in results[:10])
    used = sum(r.status_code == 200 for r in results[10:])
    assert ledger(k.device_id) == (30, used) and used <= 30
    assert sql("select sum(quantity) from card_blank_addition") == [(30,)]


BAD_ADDITIONS = [
    {"quantity": 0},
    {"quantity": -5},
    {"quantity": 1001},
    {"quantity": "很多"},
    {"quantity": 1.5},
    {"quantity": 10, "remark": "=cmd|' /C calc'!A0"},
    {"quantity": 10, "extra": 1},
]


async def test_bad_additions_write_nothing(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    for body in BAD_ADDITIONS:
        response = await client.post(
            f"{BLANK}/{k.device_id}/additions", headers=cast.shizhong.headers, json=body
        )
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR", body
        assert response.json()["message"] and response.json()["detail"]
    assert counts() == (0, 0, 0, 0)


async def test_absurd_totals_and_disabled_or_unknown_devices_are_refused(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    for _ in range(5):
        assert (await add_blank(client, cast.shizhong.headers, k.device_id, 1000)).status_code == 201
    over = await add_blank(client, cast.shizhong.headers, k.device_id, 1)
    assert over.status_code == 422 and over.json()["code"] == "QUANTITY_ABSURD"
    assert ledger(k.device_id) == (5000, 0) and counts()[0] == 5
    unknown = await add_blank(client, cast.shizhong.headers, "LS-511102-9999", 10)
    assert unknown.status_code == 404 and unknown.json()["code"] == "NOT_FOUND"
    await client.post(f"/api/v1/admin/devices/{k.device_id}/deactivate", headers=cast.shizhong.headers)
    disabled = await add_blank(client, cast.shizhong.headers, k.device_id, 10)
    assert disabled.status_code == 409 and disabled.json()["code"] == "DEVICE_DISABLED"
    assert counts()[0] == 5


BAD_USES = [
    ({"quantity": 0}, "body.quantity"),
    ({"quantity": -3}, "body.quantity"),
    ({"quantity": 21}, "body.quantity"),
    ({"usage": "送人"}, "body.usage"),
    ({"event_id": "short"}, "body.event_id"),
    ({"occurred_at": "2026-01-01T00:00:00"}, "body.occurred_at"),  # no time zone
    ({"occurred_at": "2020-01-01T00:00:00+08:00"}, "body.occurred_at"),
    ({"reason": None}, "body"),
]


async def test_bad_kiosk_usage_writes_nothing(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await add_blank(client, cast.shizhong.headers, k.device_id, 10)
    for change, field in BAD_USES:
        response = await k.use(**({"usage": "废卡"} | change))
        assert response.status_code == 422, response.text
        assert (
            response.json()["code"] == "VALIDATION_ERROR" and response.json()["detail"][0]["field"] == field
        )
    assert ledger(k.device_id) == (10, 0) and counts()[1] == 0


async def test_expired_replayed_and_unknown_signatures_write_nothing(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await add_blank(client, cast.shizhong.headers, k.device_id, 10)
    body = {
        "event_id": event_id(),
        "usage": "废卡",
        "quantity": 1,
        "reason": "测试",
        "occurred_at": now_iso(),
    }
    expired = await k.post("/blank-cards/usage", body, timestamp=int(time.time()) - 3600)
    assert expired.status_code == 401 and expired.json()["code"] == "SIGNATURE_EXPIRED"
    forged = type(k)(client, k.device_id, "ab" * 32)
    assert (await forged.post("/blank-cards/usage", body)).json()["code"] == "SIGNATURE_INVALID"
    stranger = type(k)(client, "LS-511102-0999", k.secret)
    assert (await stranger.post("/blank-cards/usage", body)).json()["code"] == "DEVICE_UNKNOWN"
    ok = await k.post("/blank-cards/usage", body, nonce="fixed-nonce-0123456789")
    replay = await k.post("/blank-cards/usage", body, nonce="fixed-nonce-0123456789")
    assert ok.status_code == 200 and replay.status_code == 409 and replay.json()["code"] == "NONCE_REPLAYED"
    assert ledger(k.device_id) == (10, 1) and counts()[1] == 1
