"""设备列表（`GET /api/v1/admin/devices`）：一条语句取一页与总数，直接写出 JSON。

The list is the staff API's busiest read (each county's dashboard polls it), so it skips what the
other device routes afford: no ORM objects (the columns `DeviceOut` shows, as rows), no
transaction (one statement on an autocommitted connection), and no second validation of its own
output — the body is written by orjson in exactly the form `Page[DeviceOut]` serialises to
(`tests/services/test_devices.py` holds the two side by side).
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from fastapi import Response

from services.base.db import autocommit
from services.base.pagination import PageParams, paginate_rows
from services.base.security import Scope
from services.terminals.models import Device
from services.terminals.repository import DeviceFilter, device_fields, query_devices

COLUMNS = (
    Device.device_id,
    Device.name,
    Device.device_type,
    Device.outlet_code,
    Device.region_code,
    Device.address,
    Device.longitude,
    Device.latitude,
    Device.manufacturer,
    Device.serial_no,
    Device.ip,
    Device.status,
    Device.last_seen_at,
    Device.registered_by,
    Device.credential_issued_at,
    Device.created_at,
    Device.updated_at,
)


async def list_page(scope: Scope, f: DeviceFilter, params: PageParams) -> tuple[list[sa.Row], int]:
    """One page of devices in `scope` matching `f` (rows of `COLUMNS`) and the total."""
    async with autocommit() as conn:
        return await paginate_rows(conn, query_devices(scope, f, *COLUMNS), params)


def page_response(rows: list[sa.Row], total: int, params: PageParams) -> Response:
    """`Page[DeviceOut]` as JSON: the same keys in the same order, datetimes as pydantic writes
    them (ISO 8601, `Z` for UTC)."""
    items = [device_fields(r) for r in rows]
    page = {"items": items, "total": total, "page": params.page, "size": params.size}
    return Response(orjson.dumps(page, option=orjson.OPT_UTC_Z), media_type="application/json")
