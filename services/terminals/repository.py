"""设备的查询与维护，均限定在操作人的区域范围内（区外的设备与不存在的设备同样是 404）。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.errors import conflict, forbidden, invalid, not_found
from services.base.security import Principal, Scope
from services.terminals import credentials
from services.terminals.models import Device
from services.terminals.schemas import DeviceCreate, DeviceOut, DeviceStatus, DeviceType, DeviceUpdate
from yikatong import regions
from yikatong.settings import get_settings

EXPORT_MAX = 50_000
EDITABLE = (
    "name",
    "device_type",
    "outlet_code",
    "address",
    "longitude",
    "latitude",
    "manufacturer",
    "serial_no",
    "ip",
)


def is_online(device: Any) -> bool:
    timeout = timedelta(seconds=get_settings().device_online_timeout_s)
    return device.last_seen_at is not None and utcnow() - device.last_seen_at <= timeout


def device_fields(d: Any) -> dict[str, Any]:
    """What staff see of a device (`DeviceOut`'s fields, in its order), from a `Device` or a row of
    its columns (the list reads rows, `services.terminals.listing`)."""
    return {
        "device_id": d.device_id,
        "name": d.name,
        "device_type": d.device_type,
        "outlet_code": d.outlet_code,
        "outlet_name": regions.name(d.outlet_code),
        "region_code": d.region_code,
        "region_name": regions.get(d.region_code).full_name,
        "county_code": d.outlet_code[:6],
        "address": d.address,
        "longitude": d.longitude,
        "latitude": d.latitude,
        "manufacturer": d.manufacturer,
        "serial_no": d.serial_no,
        "ip": d.ip,
        "status": d.status,
        "online": is_online(d),
        "last_seen_at": d.last_seen_at,
        "registered_by": d.registered_by,
        "credential_issued_at": d.credential_issued_at,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }


def device_out(d: Device) -> dict[str, Any]:
    return DeviceOut(**device_fields(d)).model_dump()


@dataclass(frozen=True)
class DeviceFilter:
    status: DeviceStatus | None = None
    device_type: DeviceType | None = None
    region: str | None = None
    outlet_code: str | None = None
    q: str | None = None
    online: bool | None = None


async def device_filter(  # async: a sync dependency costs a thread hop per request
    status: Annotated[DeviceStatus | None, Query(description="状态：启用/停用")] = None,
    device_type: Annotated[DeviceType | None, Query(description="设备类型")] = None,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6,12}$", description="区划代码（本人区域内再细分）")
    ] = None,
    outlet_code: Annotated[str | None, Query(pattern=r"^\d{12}$", description="网点代码")] = None,
    q: Annotated[str | None, Query(max_length=50, description="设备编号或名称包含")] = None,
    online: Annotated[bool | None, Query(description="是否在线")] = None,
) -> DeviceFilter:
    return DeviceFilter(status, device_type, region, outlet_code, q, online)


FilterDep = Annotated[DeviceFilter, Depends(device_filter)]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def query_devices(scope: Scope, f: DeviceFilter, *columns: Any) -> sa.Select:
    """Devices in `scope` matching `f`, by device number: whole `Device`s, or just `columns`."""
    narrowed = scope.narrow(f.region)
    query = sa.select(*(columns or (Device,))).order_by(Device.device_id)
    if narrowed is None:
        return query.where(sa.false())
    query = query.where(narrowed.where_sorted(Device.region_code))
    conditions = [
        Device.status == f.status if f.status else None,
        Device.device_type == f.device_type if f.device_type else None,
        Device.outlet_code == f.outlet_code if f.outlet_code else None,
        sa.or_(Device.device_id.ilike(_like(f.q)), Device.name.ilike(_like(f.q))) if f.q else None,
    ]
    if f.online is not None:
        since = utcnow() - timedelta(seconds=get_settings().device_online_timeout_s)
        conditions.append(
            Device.last_seen_at >= since
            if f.online
            else sa.or_(Device.last_seen_at.is_(None), Device.last_seen_at < since)
        )
    return query.where(*[c for c in conditions if c is not None])


async def export_devices(session: AsyncSession, scope: Scope, f: DeviceFilter) -> list[Device]:
    query = query_devices(scope, f)
    total = await session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    if total > EXPORT_MAX:
        raise invalid("EXPORT_TOO_LARGE", f"导出数量 {total} 超过上限 {EXPORT_MAX}，请缩小筛选范围")
    return list((await session.scalars(query)).all())


async def get_device(session: AsyncSession, scope: Scope, device_id: str, *, lock: bool = False) -> Device:
    query = sa.select(Device).where(Device.device_id == device_id, scope.where(Device.region_code))
    device = await session.scalar(query.with_for_update() if lock else query)
    if device is None:
        raise not_found("设备")
    return device


def check_outlet_in_scope(scope: Scope, outlet_code: str) -> None:
    if not scope.contains(outlet_code):
        raise forbidden("只能在本人所属区域及下级区域的网点登记设备")


async def register(
    session: AsyncSession, scope: Scope, body: DeviceCreate, user: Principal
) -> tuple[Device, str]:
    check_outlet_in_scope(scope, body.outlet_code)
    if await session.scalar(sa.select(Device.id).where(Device.device_id == body.device_id)):
        raise conflict("DEVICE_EXISTS", "设备编号已存在")
    secret = credentials.new_secret()
    device = Device(
        **body.model_dump(),
        region_code=regions.get(body.outlet_code).parent,
        status="启用",
        credential=credentials.seal(secret, body.device_id),
        registered_by=user.username,
    )
    session.add(device)
    try:
        await session.flush()
    except sa.exc.IntegrityError:  # registered concurrently by someone else
        raise conflict("DEVICE_EXISTS", "设备编号已存在") from None
    return device, secret


def update(scope: Scope, device: Device, body: DeviceUpdate) -> dict[str, Any]:
    """Apply the edit; returns {field: [old, new]} for the audit log."""
    changes = body.model_dump(exclude_unset=True)
    if changes.pop("device_id", device.device_id) != device.device_id:
        raise invalid("DEVICE_ID_IMMUTABLE", "设备编号不可修改")
    if changes.get("outlet_code"):
        check_outlet_in_scope(scope, changes["outlet_code"])
    if any(changes.get(k, 0) is None for k in ("name", "device_type", "outlet_code", "address")):
        raise invalid("VALIDATION_ERROR", "设备名称、类型、网点、地址不能清空")
    merged = {k: changes.get(k, getattr(device, k)) for k in ("longitude", "latitude")}
    if (merged["longitude"] is None) != (merged["latitude"] is None):
        raise invalid("VALIDATION_ERROR", "经度与纬度应同时填写或同时留空")
    diff = {k: [getattr(device, k), v] for k, v in changes.items() if getattr(device, k) != v}
    for name, (_, new) in diff.items():
        setattr(device, name, new)
    if "outlet_code" in diff:
        device.region_code = regions.get(device.outlet_code).parent
    return diff


def reissue_credential(device: Device) -> str:
    secret = credentials.new_secret()
    device.credential, device.credential_issued_at = credentials.seal(secret, device.device_id), utcnow()
    return secret
