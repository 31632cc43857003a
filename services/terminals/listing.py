"""设备列表（`GET /api/v1/admin/devices`）：一条语句取一页与总数，直接写出 JSON。

The list is the staff API's busiest read (each county's dashboard polls it), so it skips what the
other device routes afford: no ORM objects (the columns `DeviceOut` shows, as rows), no
transaction (one statement on an autocommitted connection), and no second validation of its own
output — the body is written by orjson in exactly the form `Page[DeviceOut]` serialises to
(`tests/services/test_devices.py` holds the two side by side).
"""

from __future__ import annotations

import functools
from datetime import timedelta

import orjson
import sqlalchemy as sa
from fastapi import Response

from services.base.db import autocommit, utcnow
from services.base.pagination import PageParams, paginate_rows
from services.base.security import Scope
from services.terminals.models import Device
from services.terminals.repository import DeviceFilter, query_devices
from yikatong import regions
from yikatong.settings import get_settings

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


@functools.cache
def _names(outlet_code: str, region_code: str) -> tuple[str, str]:
    """The outlet's name and the region's full name (regions never change while a worker runs)."""
    return regions.name(outlet_code), regions.get(region_code).full_name


def page_response(rows: list[sa.Row], total: int, params: PageParams) -> Response:
    """`Page[DeviceOut]` as JSON: the same keys in the same order, datetimes as pydantic writes
    them (ISO 8601, `Z` for UTC)."""
    online_since = utcnow() - timedelta(seconds=get_settings().device_online_timeout_s)
    items = []
    for r in rows:
        outlet_name, region_name = _names(r.outlet_code, r.region_code)
        items.append(
            {
                "device_id": r.device_id,
                "name": r.name,
                "device_type": r.device_type,
                "outlet_code": r.outlet_code,
                "outlet_name": outlet_name,
                "region_code": r.region_code,
                "region_name": region_name,
                "county_code": r.outlet_code[:6],
                "address": r.address,
                "longitude": r.longitude,
                "latitude": r.latitude,
                "manufacturer": r.manufacturer,
                "serial_no": r.serial_no,
                "ip": r.ip,
                "status": r.status,
                "online": r.last_seen_at is not None and r.last_seen_at >= online_since,
                "last_seen_at": r.last_seen_at,
                "registered_by": r.registered_by,
                "credential_issued_at": r.credential_issued_at,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
            }
        )
    page = {"items": items, "total": total, "page": params.page, "size": params.size}
    return Response(orjson.dumps(page, option=orjson.OPT_UTC_Z), media_type="application/json")
