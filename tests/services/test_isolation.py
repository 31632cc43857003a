"""For every route with an `{id}`: a 县级 user asking for another county's object gets the same 404
as for an object that does not exist, and nothing changes."""

from __future__ import annotations

import pytest

from services.base.permissions import Role
from tests.services.helpers import device_body, make_staff, register, row_of, sql, upload, workbook_bytes

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
MISSING_BATCH = "00000000-0000-0000-0000-000000000000"
READ = {
    "device": "/api/v1/admin/devices/{}",
    "batch": "/api/v1/admin/device-imports/{}",
    "user": "/api/v1/admin/users/{}",
}


async def emei_objects(client, cast) -> dict[str, str]:
    """A device, an import batch (with a failed row) and a staff user, all in 峨眉山市."""
    await register(client, cast.emei.headers, device_body(1, county="511181"))
    data = workbook_bytes([row_of(device_body(2, county="511181")), ["LS-511181-0003", "坏行"]])
    batch = (await upload(client, cast.emei.headers, data)).json()["batch_id"]
    user = make_staff("emei_op", Role.OPERATOR, "511181")
    return {"device": "LS-511181-0001", "batch": batch, "user": str(user.id)}


def snapshot() -> list:
    return [
        sql("select device_id, name, status, credential from terminal_device order by device_id"),
        sql("select username, role, region_code, failed_logins, password_hash from staff_user order by id"),
        sql("select count(*) from staff_session where revoked_at is not null"),
    ]


DEVICE_ROUTES = [
    ("GET", "/api/v1/admin/devices/{}", None),
    ("PATCH", "/api/v1/admin/devices/{}", {"name": "越权修改"}),
    ("POST", "/api/v1/admin/devices/{}/deactivate", None),
    ("POST", "/api/v1/admin/devices/{}/activate", None),
    ("POST", "/api/v1/admin/devices/{}/credential", None),
]
BATCH_ROUTES = [
    ("GET", "/api/v1/admin/device-imports/{}", None),
    ("GET", "/api/v1/admin/device-imports/{}/failures", None),
]
USER_ROUTES = [
    ("GET", "/api/v1/admin/users/{}", None),
    ("PATCH", "/api/v1/admin/users/{}", {"display_name": "越权修改"}),
    ("POST", "/api/v1/admin/users/{}/unlock", None),
    ("POST", "/api/v1/admin/users/{}/password", {"new_password": "Hijack-Pass-2026!"}),
]


def _comparable(response) -> tuple:
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("kind", "method", "template", "body"),
    [("device", *r) for r in DEVICE_ROUTES]
    + [("batch", *r) for r in BATCH_ROUTES]
    + [("user", *r) for r in USER_ROUTES],
)
async def test_other_county_object_is_not_found(client, cast, kind, method, template, body):
    objects = await emei_objects(client, cast)
    missing = {"device": "LS-511181-9999", "batch": MISSING_BATCH, "user": "999999"}[kind]
    asker = make_staff("szq_sec", Role.SECURITY_ADMIN, "511102") if kind == "user" else cast.shizhong
    before = snapshot()
    other = await client.request(method, template.format(objects[kind]), headers=asker.headers, json=body)
    absent = await client.request(method, template.format(missing), headers=asker.headers, json=body)
    assert other.status_code == 404
    assert _comparable(other) == _comparable(absent)
    assert snapshot()[:2] == before[:2] and snapshot()[2] == before[2]
    city = cast.secadmin if kind == "user" else cast.sysadmin  # the object is there: the city sees it
    assert (await client.get(READ[kind].format(objects[kind]), headers=city.headers)).status_code == 200
