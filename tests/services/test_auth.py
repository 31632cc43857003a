"""Two-factor login (password + SM2 signature over a one-time challenge), lock-out, timeouts, logout."""

from __future__ import annotations

import pytest

from services.base.passwords import complexity_problems
from services.base.permissions import ROLE_PERMISSIONS
from services.client import sign_challenge
from tests.services.helpers import PASSWORD, keypair, sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def challenge(client) -> dict:
    response = await client.post("/api/v1/admin/auth/challenge")
    assert response.status_code == 200
    return response.json()


async def login(client, staff, *, password=PASSWORD, signer=None, got=None, username=None):
    got = got or await challenge(client)
    private, public = (
        (signer or keypair(staff.username)).private_hex,
        (signer or keypair(staff.username)).public_hex,
    )
    name = username or staff.username
    body = {
        "username": name,
        "password": password,
        "challenge_id": got["challenge_id"],
        "signature": sign_challenge(private, public, name, got["challenge"]),
    }
    return await client.post("/api/v1/admin/auth/login", json=body)


async def test_login_with_both_factors(client, cast):
    response = await login(client, cast.shizhong)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["role_name"] == "区域管理员" and body["user"]["region_name"] == "乐山市市中区"
    assert body["user"]["permissions"] == sorted(ROLE_PERMISSIONS["region_admin"])
    assert {"device:read", "device:write"} <= set(body["user"]["permissions"])
    assert not {"user:manage", "audit:read"} & set(body["user"]["permissions"])
    me = await client.get("/api/v1/admin/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "szq_admin"
    [(actor, result, ip)] = sql("select actor, result, client_ip from audit_log where action = 'auth.login'")
    assert (actor, result, ip) == ("szq_admin", "成功", "10.1.2.3")


@pytest.mark.parametrize("wrong", ["password", "key", "challenge", "username"])
async def test_any_wrong_factor_is_refused_alike(client, cast, wrong):
    if wrong == "password":
        response = await login(client, cast.shizhong, password="Wrong-Pass-2026!")
    elif wrong == "key":
        response = await login(client, cast.shizhong, signer=keypair("someone-else"))
    elif wrong == "challenge":  # a signature over another challenge
        got, other = await challenge(client), await challenge(client)
        response = await login(client, cast.shizhong, got={**got, "challenge": other["challenge"]})
    else:
        response = await login(client, cast.shizhong, username="nobody")
    assert response.status_code == 401
    assert response.json() == {
        "code": "AUTH_FAILED",
        "message": "用户名、口令或数字证书签名错误",
        "detail": None,
    }
    assert sql("select result from audit_log where action = 'auth.login'") == [("失败",)]


async def test_challenge_is_single_use_and_expires(client, cast):
    got = await challenge(client)
    assert (await login(client, cast.shizhong, got=got)).status_code == 200
    again = await login(client, cast.shizhong, got=got)
    assert again.status_code == 401 and again.json()["code"] == "CHALLENGE_INVALID"
    stale = await challenge(client)
    sql(
        "update login_challenge set expires_at = now() - interval '1 second' where id = :id",
        id=stale["challenge_id"],
    )
    late = await login(client, cast.shizhong, got=stale)
    assert late.status_code == 401 and late.json()["code"] == "CHALLENGE_INVALID"


async def test_lock_out_after_five_failures_and_unlock(client, cast):
    codes = [(await login(client, cast.shizhong, password="Wrong-Pass-2026!")).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 423]
    locked = await login(client, cast.shizhong)  # right factors, but locked
    assert locked.status_code == 423 and locked.json()["code"] == "ACCOUNT_LOCKED"
    unlock = await client.post(
        f"/api/v1/admin/users/{cast.shizhong.id}/unlock", headers=cast.secadmin.headers
    )
    assert unlock.status_code == 200 and unlock.json()["locked_until"] is None
    assert (await login(client, cast.shizhong)).status_code == 200


async def test_success_resets_the_failure_count(client, cast):
    for _ in range(4):
        await login(client, cast.shizhong, password="Wrong-Pass-2026!")
    assert (await login(client, cast.shizhong)).status_code == 200
    assert sql("select failed_logins from staff_user where username = 'szq_admin'") == [(0,)]


@pytest.mark.parametrize(
    "expire",
    [
        "update staff_session set last_seen_at = now() - interval '31 minutes'",
        "update staff_session set expires_at = now() - interval '1 second'",
    ],
    ids=["idle", "absolute"],
)
async def test_session_timeouts(client, cast, expire):
    assert (await client.get("/api/v1/admin/auth/me", headers=cast.sysadmin.headers)).status_code == 200
    sql(expire)
    response = await client.get("/api/v1/admin/auth/me", headers=cast.sysadmin.headers)
    assert response.status_code == 401 and response.json()["code"] == "SESSION_EXPIRED"


async def test_logout_ends_the_session(client, cast):
    assert (await client.post("/api/v1/admin/auth/logout", headers=cast.sysadmin.headers)).status_code == 204
    response = await client.get("/api/v1/admin/auth/me", headers=cast.sysadmin.headers)
    assert response.status_code == 401 and response.json()["code"] == "SESSION_ENDED"


async def test_change_own_password(client, cast):
    path, headers = "/api/v1/admin/auth/password", cast.shizhong.headers
    weak = await client.post(path, headers=headers, json={"old_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["code"] == "PASSWORD_WEAK"
    wrong = await client.post(
        path, headers=headers, json={"old_password": "nope", "new_password": "New-Pass-2026!"}
    )
    assert wrong.status_code == 401
    done = await client.post(
        path, headers=headers, json={"old_password": PASSWORD, "new_password": "New-Pass-2026!"}
    )
    assert done.status_code == 204
    assert (await client.get("/api/v1/admin/auth/me", headers=headers)).status_code == 401
    assert (await login(client, cast.shizhong, password="New-Pass-2026!")).status_code == 200


async def test_disabled_account_cannot_log_in_or_continue(client, cast):
    body = {"is_active": False}
    response = await client.patch(
        f"/api/v1/admin/users/{cast.shizhong.id}", headers=cast.secadmin.headers, json=body
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/admin/auth/me", headers=cast.shizhong.headers)).status_code == 401
    refused = await login(client, cast.shizhong)
    assert refused.status_code == 403 and refused.json()["code"] == "ACCOUNT_DISABLED"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Ykt@Sys2026!", True),
        ("ykt-sys-2026", True),
        ("abcdefghij", False),
        ("Ab1!", False),
        ("Sysadmin-2026", False),
        ("x" * 65 + "A1!", False),
    ],
)
async def test_password_complexity(password, ok):
    assert (complexity_problems(password, "sysadmin") == []) is ok
