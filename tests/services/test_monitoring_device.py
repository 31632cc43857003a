"""Kiosk uploads (seed 2.2): boot self-checks and log batches through the signed device API, and
their staff views (list, filters, detail, search); bad input is a 4xx and writes nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.services.helpers import sql
from tests.services.monitoring_helpers import Kiosk, kiosk, signed

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
SELFCHECK, LOGS = "/api/v1/device/selfchecks", "/api/v1/device/logs"


def at(minutes: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def boot(minutes: float = 0, **broken) -> dict:
    items = [
        {"component": "card_reader", "result": "正常"},
        {"component": "id_reader", "result": "正常"},
        {"component": "ribbon", "result": "正常", "level": 60},
        {"component": "card_printer", "result": "正常"},
    ]
    for item in items:
        item.update(broken.get(item["component"], {}))
    return {"checked_at": at(minutes), "software_version": "2.1.0", "duration_ms": 4200, "items": items}


def counts() -> tuple:
    return tuple(
        sql(f"select count(*) from {t}")[0][0]
        for t in ("terminal_selfcheck", "terminal_selfcheck_item", "terminal_log")
    )


async def test_selfchecks_are_stored_per_component_and_listed(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    ok = await signed(client, k, SELFCHECK, boot(-30))
    assert ok.status_code == 201 and ok.json()["accepted"] == 4, ok.text
    low_ribbon = await signed(client, k, SELFCHECK, boot(-10, ribbon={"level": 3}))
    broken = await signed(
        client, k, SELFCHECK, boot(-5, id_reader={"result": "异常", "code": "E201", "message": "无响应"})
    )
    assert broken.status_code == 201
    assert sql("select count(*) from terminal_selfcheck_item where device_id = :d", d=k.device_id) == [(12,)]

    url = "/api/v1/admin/selfchecks"
    listing = (await client.get(url, headers=cast.shizhong.headers)).json()
    assert listing["total"] == 3
    assert [i["result"] for i in listing["items"]] == ["未通过", "未通过", "通过"]  # newest first
    assert listing["items"][0]["device_name"] == "自助机1号"
    failed = (await client.get(url, params={"result": "未通过"}, headers=cast.shizhong.headers)).json()
    assert failed["total"] == 2
    window = {"since": at(-20), "until": at(-7)}
    assert (await client.get(url, params=window, headers=cast.shizhong.headers)).json()["total"] == 1

    detail = await client.get(f"{url}/{low_ribbon.json()['id']}", headers=cast.shizhong.headers)
    body = detail.json()
    assert body["result"] == "未通过" and body["failed_count"] == 1
    ribbon = next(i for i in body["items"] if i["component"] == "ribbon")
    assert ribbon == {"component": "ribbon", "label": "色带", "result": "正常", "level": 3, "value": None,
                      "code": None, "message": None, "fine": False}  # fmt: skip
    actions = sql("select action from audit_log where action like 'monitor.selfcheck%' order by seq")
    assert [a for (a,) in actions] == ["monitor.selfcheck.list"] * 3 + ["monitor.selfcheck.read"]


async def test_logs_are_stored_and_searchable(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 2)
    other = await kiosk(client, cast.shizhong.headers, 3)
    lines = [
        {"at": at(-60), "level": "INFO", "message": "开机完成"},
        {"at": at(-40), "level": "WARN", "message": "色带余量 15%"},
        {"at": at(-20), "level": "ERROR", "message": "读卡器超时 code=E101"},
        {"at": at(-1), "level": "INFO", "message": "100% done_ok"},
    ]
    response = await signed(client, k, LOGS, {"lines": lines})
    assert response.status_code == 201 and response.json()["accepted"] == 4
    await signed(client, other, LOGS, {"lines": [{"at": at(-2), "level": "ERROR", "message": "网络断开"}]})

    async def search(**params):
        response = await client.get("/api/v1/admin/device-logs", params=params, headers=cast.shizhong.headers)
        assert response.status_code == 200, response.text
        return [line["message"] for line in response.json()["items"]]

    assert len(await search()) == 5
    assert await search(device_id=k.device_id, level="ERROR") == ["读卡器超时 code=E101"]
    assert await search(device_id=k.device_id, min_level="WARN") == ["读卡器超时 code=E101", "色带余量 15%"]
    assert await search(q="读卡器") == ["读卡器超时 code=E101"]
    assert await search(q="0%") == ["100% done_ok"]  # LIKE wildcards are literal
    assert await search(q="_ok") == ["100% done_ok"]
    assert await search(since=at(-50), until=at(-10)) == ["读卡器超时 code=E101", "色带余量 15%"]
    bad = await client.get(
        "/api/v1/admin/device-logs", params={"since": at(), "until": at(-10)}, headers=cast.shizhong.headers
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "BAD_TIME_RANGE")


BAD_UPLOADS = [
    (SELFCHECK, boot(card_reader={"component": "coffee_maker"}), "body.items.0.component"),
    (SELFCHECK, boot(ribbon={"level": 250}), "body.items.2.level"),
    (SELFCHECK, boot(ribbon={"level": -1}), "body.items.2.level"),
    (SELFCHECK, boot(id_reader={"component": "card_reader"}), "body"),
    (SELFCHECK, boot(60), "body.checked_at"),  # an hour in the future
    (SELFCHECK, boot(-60 * 24 * 400), "body.checked_at"),
    (SELFCHECK, boot() | {"checked_at": "2026-11-28T08:00:00"}, "body.checked_at"),  # no time zone
    (SELFCHECK, boot() | {"items": []}, "body.items"),
    (SELFCHECK, boot(card_reader={"message": "=cmd|' /C calc'!A0"}), "body.items.0.message"),
    (LOGS, {"lines": [{"at": at(), "level": "INFO", "message": "x"}] * 501}, "body.lines"),
    (LOGS, {"lines": [{"at": at(), "level": "LOUD", "message": "x"}]}, "body.lines.0.level"),
    (LOGS, {"lines": [{"at": at(), "level": "INFO", "message": "x" * 2001}]}, "body.lines.0.message"),
    (LOGS, {"lines": [{"at": at(), "level": "INFO", "message": "a\x00b"}]}, "body.lines.0.message"),
    (LOGS, {"lines": [{"at": at(30), "level": "INFO", "message": "future"}]}, "body.lines.0.at"),
    (LOGS, {"lines": []}, "body.lines"),
]


async def test_bad_uploads_are_refused_and_nothing_is_written(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 4)
    for path, body, field in BAD_UPLOADS:
        response = await signed(client, k, path, body)
        assert response.status_code == 422, (field, response.text)
        error = response.json()
        assert error["code"] == "VALIDATION_ERROR" and field in [d["field"] for d in error["detail"]], error
        assert counts() == (0, 0, 0)


async def test_unknown_device_expired_signature_and_disabled_device(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 5)
    ghost = Kiosk("LS-511102-9999", k.secret)
    unknown = await signed(client, ghost, SELFCHECK, boot())
    assert (unknown.status_code, unknown.json()["code"]) == (401, "DEVICE_UNKNOWN")
    expired = await signed(client, k, LOGS, {"lines": [{"at": at(), "level": "INFO", "message": "x"}]},
                           timestamp=int(time.time()) - 3600)  # fmt: skip
    assert (expired.status_code, expired.json()["code"]) == (401, "SIGNATURE_EXPIRED")
    await client.post(f"/api/v1/admin/devices/{k.device_id}/deactivate", headers=cast.shizhong.headers)
    disabled = await signed(client, k, SELFCHECK, boot())
    assert (disabled.status_code, disabled.json()["code"]) == (403, "DEVICE_DISABLED")
    assert counts() == (0, 0, 0)


async def test_other_county_records_are_not_found(client, cast):
    k = await kiosk(client, cast.emei.headers, 1, county="511181")
    check_id = (await signed(client, k, SELFCHECK, boot())).json()["id"]
    await signed(client, k, LOGS, {"lines": [{"at": at(), "level": "ERROR", "message": "峨眉"}]})
    other = await client.get(f"/api/v1/admin/selfchecks/{check_id}", headers=cast.shizhong.headers)
    missing = await client.get("/api/v1/admin/selfchecks/987654321", headers=cast.shizhong.headers)
    assert other.status_code == 404 and other.json() == missing.json()
    assert (
        await client.get(f"/api/v1/admin/selfchecks/{check_id}", headers=cast.sysadmin.headers)
    ).status_code == 200
    for url in ("/api/v1/admin/selfchecks", "/api/v1/admin/device-logs"):
        assert (await client.get(url, headers=cast.shizhong.headers)).json()["total"] == 0
        assert (await client.get(url, headers=cast.emei.headers)).json()["total"] == 1
    absurd = await client.get("/api/v1/admin/selfchecks/99999999999999999999", headers=cast.sysadmin.headers)
    assert absurd.status_code == 422
