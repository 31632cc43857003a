"""终端接口的设备签名：正确签名、错误签名、过期时间戳、重放随机数、未登记与停用的设备。"""

from __future__ import annotations

import json
import time

import pytest

from services.terminals.signing import sign_headers
from tests.services.helpers import device_body, register, sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
PATH = "/api/v1/device/heartbeat"


@pytest.fixture
async def kiosk(client, cast) -> tuple[str, str]:
    created = await register(client, cast.shizhong.headers, device_body(1))
    return created["device_id"], created["credential"]["secret"]


async def beat(client, device_id, secret, body=b'{"software_version": "2.1.0"}', **sign):
    headers = sign_headers(device_id, secret, "POST", PATH, body, **sign) | {
        "Content-Type": "application/json"
    }
    return await client.post(PATH, content=body, headers=headers)


def last_seen():
    return sql("select last_seen_at from terminal_device where device_id = 'LS-511102-0001'")[0][0]


async def test_signed_heartbeat_marks_the_device_online(client, cast, kiosk):
    response = await beat(client, *kiosk)
    assert response.status_code == 200, response.text
    assert response.json()["device_id"] == "LS-511102-0001" and response.json()["next_heartbeat_s"] == 60
    assert last_seen() is not None
    detail = await client.get("/api/v1/admin/devices/LS-511102-0001", headers=cast.shizhong.headers)
    assert detail.json()["online"] is True


async def test_empty_body_heartbeat(client, kiosk):
    assert (await beat(client, *kiosk, body=b"")).status_code == 200


def _refused(response, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert last_seen() is None  # nothing written


async def test_bad_signature(client, kiosk):
    _refused(await beat(client, kiosk[0], "0" * 64), 401, "SIGNATURE_INVALID")


async def test_tampered_body(client, kiosk):
    device_id, secret = kiosk
    headers = sign_headers(device_id, secret, "POST", PATH, b'{"software_version": "2.1.0"}')
    response = await client.post(PATH, content=b'{"software_version": "9.9.9"}', headers=headers)
    _refused(response, 401, "SIGNATURE_INVALID")


async def test_signature_for_another_path(client, kiosk):
    device_id, secret = kiosk
    headers = sign_headers(device_id, secret, "POST", "/api/v1/device/other", b"")
    _refused(await client.post(PATH, headers=headers), 401, "SIGNATURE_INVALID")


# 30 s past the 300 s window: a +301 s future stamp drifted back inside it on a loaded machine
@pytest.mark.parametrize("skew", [-330, 330, -3600])
async def test_expired_or_future_timestamp(client, kiosk, skew):
    _refused(await beat(client, *kiosk, timestamp=int(time.time()) + skew), 401, "SIGNATURE_EXPIRED")


async def test_replayed_nonce(client, kiosk):
    device_id, secret = kiosk
    body = b"{}"
    headers = sign_headers(device_id, secret, "POST", PATH, body) | {"Content-Type": "application/json"}
    assert (await client.post(PATH, content=body, headers=headers)).status_code == 200
    replay = await client.post(PATH, content=body, headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (409, "NONCE_REPLAYED")
    assert sql("select count(*) from device_nonce") == [(1,)]


async def test_unknown_device(client, kiosk):
    _refused(await beat(client, "LS-511102-9999", kiosk[1]), 401, "DEVICE_UNKNOWN")


@pytest.mark.parametrize("drop", ["X-Device-Id", "X-Timestamp", "X-Nonce", "X-Signature"])
async def test_missing_header(client, kiosk, drop):
    headers = sign_headers(*kiosk, "POST", PATH, b"")
    del headers[drop]
    _refused(await client.post(PATH, headers=headers), 401, "SIGNATURE_MISSING")


async def test_malformed_headers(client, kiosk):
    _refused(await beat(client, *kiosk, nonce="short"), 401, "SIGNATURE_MALFORMED")


async def test_deactivated_device_is_refused(client, cast, kiosk):
    await client.post("/api/v1/admin/devices/LS-511102-0001/deactivate", headers=cast.shizhong.headers)
    _refused(await beat(client, *kiosk), 403, "DEVICE_DISABLED")


async def test_reissued_credential_replaces_the_old_one(client, cast, kiosk):
    device_id, old = kiosk
    new = (
        await client.post(f"/api/v1/admin/devices/{device_id}/credential", headers=cast.shizhong.headers)
    ).json()
    assert new["secret"] != old
    assert (await beat(client, device_id, old)).status_code == 401
    assert (await beat(client, device_id, new["secret"])).status_code == 200


async def test_bad_heartbeat_body_is_refused_after_the_signature(client, kiosk):
    body = json.dumps({"software_version": "x" * 40}).encode()
    response = await beat(client, *kiosk, body=body)
    assert response.status_code == 422


async def test_staff_token_does_not_open_the_device_api(client, cast):
    response = await client.post(PATH, headers=cast.sysadmin.headers)
    assert response.status_code == 401 and response.json()["code"] == "SIGNATURE_MISSING"


async def test_housekeeping_forgets_expired_nonces(client, kiosk):
    from services import housekeeping

    assert (await beat(client, *kiosk)).status_code == 200
    stale = "insert into device_nonce values (:device, 'old-nonce-0000000000', now() - interval '1 minute')"
    sql(stale, device="LS-511102-0001")
    await housekeeping.sweep()
    assert sql(
        "select count(*), count(*) filter (where nonce = 'old-nonce-0000000000') from device_nonce"
    ) == [(1, 0)]
