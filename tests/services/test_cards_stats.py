"""业务统计 through HTTP: the documented definitions (services.cards.stats) on a small known fleet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.cards_support import add_blank, card_no, event_id, kiosk, now_iso, person
from tests.services.helpers import sql
from yikatong import regions

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
STATS = "/api/v1/admin/stats"
EARLIER = timedelta(days=-3)


async def issue(k, kind: str, seq: int, when: timedelta = timedelta()):
    body = {"event_id": event_id(), "issue_type": kind, "card_no": card_no(seq), "id_number": person(seq)}
    response = await k.post("/issuances", body | {"name": "张三", "occurred_at": now_iso(when)})
    assert response.status_code == 200, response.text


@pytest.fixture
async def fleet(client, cast):
    """市中区: k1 (大佛街道, online) and k2 (another township, 停用); 峨眉山市: k3."""
    k1 = await kiosk(client, cast.shizhong.headers, 1)
    k2 = await kiosk(client, cast.shizhong.headers, 2)
    k3 = await kiosk(client, cast.emei.headers, 1, county="511181")
    for k, n, staff in ((k1, 50, cast.shizhong), (k2, 20, cast.shizhong), (k3, 10, cast.emei)):
        assert (await add_blank(client, staff.headers, k.device_id, n)).status_code == 201
    assert (await k1.use("废卡", quantity=2)).status_code == 200
    assert (await k2.use("废卡", occurred_at=now_iso(EARLIER))).status_code == 200
    await issue(k1, "补卡", 1)
    await issue(k1, "换卡", 2)
    await issue(k2, "补卡", 3, EARLIER)
    await issue(k3, "换卡", 4)
    await k1.post(
        "/finished-cards",
        {"read_at": now_iso(), "cards": [{"card_no": card_no(5), "id_number": person(5), "name": "李四"}]},
    )
    pickup = {
        "event_id": event_id(),
        "result": "领卡成功",
        "pickup_by": "本人",
        "holder_id_number": person(5),
    }
    assert (
        await k1.post(f"/finished-cards/{card_no(5)}/pickup", pickup | {"occurred_at": now_iso()})
    ).status_code == 200
    await client.post(f"/api/v1/admin/devices/{k2.device_id}/deactivate", headers=cast.shizhong.headers)
    sql("update terminal_device set last_seen_at = now() where device_id = :d", d=k1.device_id)
    return k1, k2, k3


def row(table: dict, key: str) -> dict:
    return next(r for r in table["rows"] if r["key"] == key)


async def test_card_figures_by_county_for_the_city(client, cast, fleet):
    table = (await client.get(f"{STATS}/cards", headers=cast.sysadmin.headers)).json()
    assert len(table["rows"]) == 11 and row(table, "511102")["name"] == "市中区"
    assert {k: v for k, v in row(table, "511102").items() if k not in ("key", "name")} == {
        "issued": 4,
        "pickups": 1,
        "replacements": 2,
        "exchanges": 1,
        "blank_added": 70,
        "blank_used": 6,  # 3 waste + 3 made at the kiosk (补卡 ×2, 换卡 ×1)
        "blank_remaining": 64,
        "waste": 3,
    }
    assert row(table, "511181") | {"key": 0, "name": 0} == {
        "key": 0,
        "name": 0,
        "issued": 1,
        "pickups": 0,
        "replacements": 0,
        "exchanges": 1,
        "blank_added": 10,
        "blank_used": 1,
        "blank_remaining": 9,
        "waste": 0,
    }
    assert table["total"]["issued"] == 5 and table["total"]["blank_remaining"] == 73
    assert row(table, "511111")["issued"] == 0  # counties without kiosks are listed as zeros


async def test_card_figures_within_a_time_range_and_by_device(client, cast, fleet):
    k1, k2, _ = fleet
    since = now_iso(timedelta(days=-1))
    table = (await client.get(f"{STATS}/cards", params={"from": since}, headers=cast.shizhong.headers)).json()
    towns = {r.code for r in regions.townships("511102")}
    assert {r["key"] for r in table["rows"]} == towns  # a county user sees its townships
    assert (
        table["total"]["issued"] == 3 and table["total"]["waste"] == 2 and table["total"]["blank_used"] == 4
    )
    assert table["total"]["blank_remaining"] == 64  # a balance now, whatever the range
    devices = (await client.get(f"{STATS}/cards?by=device", headers=cast.shizhong.headers)).json()
    assert [(r["key"], r["issued"], r["waste"]) for r in devices["rows"]] == [
        (k1.device_id, 3, 2),
        (k2.device_id, 1, 1),
    ]
    outlets = (
        await client.get(f"{STATS}/cards?by=outlet&region=511102006", headers=cast.shizhong.headers)
    ).json()
    assert [(r["key"], r["replacements"]) for r in outlets["rows"]] == [("511102006001", 1)]
    peek = (await client.get(f"{STATS}/cards?region=511181", headers=cast.shizhong.headers)).json()
    assert peek["rows"] == [] and peek["total"]["issued"] == 0
    nowhere = await client.get(f"{STATS}/cards?region=511102999", headers=cast.shizhong.headers)
    assert nowhere.status_code == 200 and nowhere.json()["rows"] == []


async def test_device_and_outlet_figures(client, cast, fleet):
    devices = (await client.get(f"{STATS}/devices", headers=cast.sysadmin.headers)).json()
    assert {k: v for k, v in row(devices, "511102").items() if k not in ("key", "name")} == {
        "devices": 2,
        "enabled": 1,
        "disabled": 1,
        "online": 1,
        "offline": 1,
    }
    assert row(devices, "511181")["devices"] == 1 and devices["total"]["devices"] == 3
    outlets = (await client.get(f"{STATS}/outlets", headers=cast.sysadmin.headers)).json()
    shizhong = row(outlets, "511102")
    assert shizhong["outlets_with_devices"] == 2 and shizhong["outlets_with_enabled_devices"] == 1
    assert shizhong["outlets"] == len(regions.outlets("511102"))
    by_outlet = (await client.get(f"{STATS}/devices?by=outlet", headers=cast.shizhong.headers)).json()
    assert [(r["key"], r["devices"]) for r in by_outlet["rows"]] == [("511102004002", 1), ("511102006001", 1)]
    [(detail,)] = sql("select detail from audit_log where action = 'stats.outlets'")
    assert detail is not None


EVENT_METRICS = ("issued", "pickups", "replacements", "exchanges", "blank_added", "blank_used", "waste")


async def test_the_daily_table_is_kept_exact_by_every_insert(client, cast, fleet):
    daily = sql(f"select {', '.join(f'sum({m})' for m in EVENT_METRICS)} from card_stats_daily")
    events = sql(
        "select (select count(*) from card_issuance),"
        " (select count(*) from card_issuance where issue_type = '领卡'),"
        " (select count(*) from card_issuance where issue_type = '补卡'),"
        " (select count(*) from card_issuance where issue_type = '换卡'),"
        " (select sum(quantity) from card_blank_addition), (select sum(quantity) from card_blank_usage),"
        " (select sum(quantity) from card_blank_usage where usage = '废卡')"
    )
    assert daily == events and events[0][0] == 5


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (timedelta(days=-4, hours=5), timedelta(hours=1)),  # partial days at both ends
        (timedelta(days=-3, hours=-2), None),  # from inside a day, open end
        (None, timedelta(days=-2, minutes=7)),  # open start, to inside a day
        (timedelta(hours=-1), timedelta(hours=1)),  # no whole day inside: events only
        (timedelta(days=-30), timedelta(days=-29)),  # nothing there
    ],
)
async def test_whole_days_and_partial_ends_agree_with_the_event_rows(client, cast, fleet, start, end):
    """By township (daily table + partial days) and by device (event rows only) give one total."""
    params = {"from": now_iso(start) if start else None, "to": now_iso(end) if end else None}
    params = {k: v for k, v in params.items() if v}
    headers = cast.sysadmin.headers
    by_region = await client.get(f"{STATS}/cards", params=params | {"region": "511102"}, headers=headers)
    by_device = (await client.get(f"{STATS}/cards", params=params | {"by": "device", "region": "511102"},
                                  headers=headers))  # fmt: skip
    assert by_region.status_code == by_device.status_code == 200, by_region.text
    totals = [{m: r.json()["total"][m] for m in EVENT_METRICS} for r in (by_region, by_device)]
    assert totals[0] == totals[1]
