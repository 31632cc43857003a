"""Least privilege: every role against every staff endpoint (403 exactly where the matrix says)."""

from __future__ import annotations

import pytest

from services.base.permissions import ROLE_PERMISSIONS, Perm, Role
from tests.services.helpers import device_body, make_staff

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
D = "/api/v1/admin/devices/LS-511102-9999"
B = "/api/v1/admin/device-imports/00000000-0000-0000-0000-000000000000"
ENDPOINTS = [
    ("GET", "/api/v1/admin/devices", Perm.DEVICE_READ),
    ("POST", "/api/v1/admin/devices", Perm.DEVICE_WRITE),
    ("GET", "/api/v1/admin/devices/export", Perm.DEVICE_READ),
    ("GET", D, Perm.DEVICE_READ),
    ("PATCH", D, Perm.DEVICE_WRITE),
    ("POST", f"{D}/deactivate", Perm.DEVICE_WRITE),
    ("POST", f"{D}/activate", Perm.DEVICE_WRITE),
    ("POST", f"{D}/credential", Perm.DEVICE_WRITE),
    ("GET", "/api/v1/admin/device-imports/template", Perm.DEVICE_READ),
    ("POST", "/api/v1/admin/device-imports", Perm.DEVICE_WRITE),
    ("GET", "/api/v1/admin/device-imports", Perm.DEVICE_READ),
    ("GET", B, Perm.DEVICE_READ),
    ("GET", f"{B}/failures", Perm.DEVICE_READ),
    ("GET", "/api/v1/admin/roles", Perm.USER_READ),
    ("GET", "/api/v1/admin/users", Perm.USER_READ),
    ("POST", "/api/v1/admin/users", Perm.USER_MANAGE),
    ("GET", "/api/v1/admin/users/999999", Perm.USER_READ),
    ("PATCH", "/api/v1/admin/users/999999", Perm.USER_MANAGE),
    ("POST", "/api/v1/admin/users/999999/unlock", Perm.USER_MANAGE),
    ("POST", "/api/v1/admin/users/999999/password", Perm.USER_MANAGE),
    ("GET", "/api/v1/admin/audit", Perm.AUDIT_READ),
    ("GET", "/api/v1/admin/audit/verify", Perm.AUDIT_READ),
]


@pytest.mark.parametrize("role", list(Role))
async def test_role_against_every_endpoint(client, role):
    staff = make_staff(f"u.{role.value}", role, "511100")
    for method, path, permission in ENDPOINTS:
        json = device_body(9999) if method in ("POST", "PATCH") and "/users" not in path else {}
        response = await client.request(method, path, headers=staff.headers, json=json)
        allowed = permission in ROLE_PERMISSIONS[role]
        assert (response.status_code != 403) is allowed, f"{role} {method} {path}: {response.status_code}"
        if not allowed:
            assert response.json()["code"] == "FORBIDDEN" and role.label in response.json()["message"]
