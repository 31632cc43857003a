"""Staff accounts: only 安全管理员 manage them, only within their region; roles listed."""

from __future__ import annotations

import pytest

from services.base.permissions import Role
from tests.services.helpers import keypair, make_staff, sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def new_user(**extra) -> dict:
    return {
        "username": "zhang.san",
        "display_name": "张三",
        "role": "operator",
        "region_code": "511102",
        "password": "Zhang-San-2026!",
        "sm2_public_key": keypair("zhang.san").public_hex,
        **extra,
    }


async def test_security_admin_creates_and_edits_a_user(client, cast):
    created = await client.post("/api/v1/admin/users", headers=cast.secadmin.headers, json=new_user())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["role_name"] == "业务经办" and body["region_name"] == "乐山市市中区"
    assert "password" not in body and "password_hash" not in body and "sm2_public_key" not in body
    patch = await client.patch(
        f"/api/v1/admin/users/{body['id']}",
        headers=cast.secadmin.headers,
        json={"role": "analyst", "display_name": "张三（分析）"},
    )
    assert patch.status_code == 200 and patch.json()["role"] == "analyst"
    listed = await client.get("/api/v1/admin/users?role=analyst", headers=cast.secadmin.headers)
    assert [u["username"] for u in listed.json()["items"]] == ["zhang.san"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"password": "weakpassword"}, "PASSWORD_WEAK"),
        ({"username": "Bad Name"}, "VALIDATION_ERROR"),
        ({"sm2_public_key": "04" + "00" * 64}, "VALIDATION_ERROR"),
        ({"region_code": "511102004001"}, "VALIDATION_ERROR"),
        ({"role": "superuser"}, "VALIDATION_ERROR"),
    ],
)
async def test_bad_user_input_is_refused(client, cast, change, code):
    response = await client.post(
        "/api/v1/admin/users", headers=cast.secadmin.headers, json=new_user(**change)
    )
    assert response.status_code == 422 and response.json()["code"] == code
    assert sql("select count(*) from staff_user where username = 'zhang.san'") == [(0,)]


async def test_username_is_unique(client, cast):
    await client.post("/api/v1/admin/users", headers=cast.secadmin.headers, json=new_user())
    again = await client.post("/api/v1/admin/users", headers=cast.secadmin.headers, json=new_user())
    assert again.status_code == 409 and again.json()["code"] == "USERNAME_TAKEN"


async def test_county_security_admin_stays_in_the_county(client, cast):
    county_sec = make_staff("szq_sec", Role.SECURITY_ADMIN, "511102")
    outside = await client.post(
        "/api/v1/admin/users", headers=county_sec.headers, json=new_user(region_code="511181")
    )
    assert outside.status_code == 403
    listed = await client.get("/api/v1/admin/users", headers=county_sec.headers)
    assert {u["region_code"][:6] for u in listed.json()["items"]} == {"511102"}


async def test_cannot_change_own_role(client, cast):
    path = f"/api/v1/admin/users/{cast.secadmin.id}"
    response = await client.patch(path, headers=cast.secadmin.headers, json={"role": "system_admin"})
    assert response.status_code == 403


async def test_reset_password_ends_sessions(client, cast):
    path = f"/api/v1/admin/users/{cast.shizhong.id}/password"
    response = await client.post(
        path, headers=cast.secadmin.headers, json={"new_password": "Reset-Pass-2026!"}
    )
    assert response.status_code == 204
    assert (await client.get("/api/v1/admin/auth/me", headers=cast.shizhong.headers)).status_code == 401


async def test_roles_matrix_keeps_the_three_administrators_apart(client, cast):
    roles = {
        r["code"]: {p["code"] for p in r["permissions"]}
        for r in (await client.get("/api/v1/admin/roles", headers=cast.secadmin.headers)).json()
    }
    assert roles["auditor"] == {"audit:read"}
    assert not roles["system_admin"] & {"audit:read", "user:manage"}
    assert not roles["security_admin"] & {"audit:read", "device:write"}
    assert not roles["data_steward"] & {"audit:read", "user:manage", "device:write"}
    assert len(roles) == 7
