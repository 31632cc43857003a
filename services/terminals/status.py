"""设备运行状态（seed 2.3）：心跳 → 在线；部件状态 → 运行情况 正常 / 异常；每次变化记入历史并告警。

A heartbeat whose news is "nothing changed" (still online, same running state and faulty
components) is one statement: update the state row and the device's last-seen time together.
Otherwise the state row is locked (`SELECT … FOR UPDATE`, so concurrent heartbeats of one device
serialise across workers), the transitions are written to `terminal_state_change`, and alarms are
raised for newly faulty components and cleared for recovered ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.terminals import alarms
from services.terminals.components import OFFLINE, Components, fault_text, faults, running_state
from services.terminals.models import Device
from services.terminals.monitoring_models import DeviceState, StateChange

ONLINE_KIND, RUNNING_KIND = "在线状态", "运行情况"
HEARTBEAT, TIMEOUT = "心跳", "超时"


def _quiet_state(device_id: str, now: datetime, report: dict, *also: Any) -> sa.CTE:
    """UPDATE of the state row only if nothing but the heartbeat time (and version, components,
    device time) changes, RETURNING the device; `also` adds conditions (the claimed nonce)."""
    unchanged = [DeviceState.device_id == device_id, DeviceState.online.is_(True), *also]
    if "running_state" in report:
        unchanged += [
            DeviceState.running_state == report["running_state"],
            DeviceState.faults == sa.cast(report["faults"], DeviceState.faults.type),
        ]
    values = {k: v for k, v in report.items() if k in ("components", "software_version", "device_time")}
    update = sa.update(DeviceState).where(*unchanged).values(last_heartbeat_at=now, **values)
    return update.returning(DeviceState.device_id).cte("quiet_state")


def _seen(device_id: str, now: datetime, ip: str | None, state: sa.CTE) -> sa.Update:
    """The device's last-seen time, when the quiet state update happened (a heartbeat is no edit)."""
    return (
        sa.update(Device)
        .where(Device.device_id == device_id, sa.exists(sa.select(state.c.device_id)))
        .values(last_seen_at=now, last_ip=ip, updated_at=Device.updated_at)
        .returning(Device.device_id)
    )


def _quiet_heartbeat(device_id: str, now: datetime, ip: str | None, report: dict) -> sa.Update:
    """Update state and device in one statement when nothing changes; returns no row otherwise."""
    return _seen(device_id, now, ip, _quiet_state(device_id, now, report))


# The whole of an unchanged signed heartbeat in one autocommitted statement (one round trip, one
# commit), as fixed SQL: built and cache-keyed per request as a Core statement it cost the worker
# more CPU than everything else in a heartbeat; this text is compiled once. The nonce is stored
# only while the device is 启用 and as cached; the state row and the device's last-seen time are
# updated only if that happened and nothing but the heartbeat changes (a reported running state
# and faults must equal the stored ones).
QUIET_SIGNED_HEARTBEAT = """
with claimed as (
    insert into device_nonce (device_id, nonce, expires_at)
    select cast(%(device_id)s as varchar), cast(%(nonce)s as varchar), cast(%(expires)s as timestamptz)
    where exists (
        select 1 from terminal_device
        where device_id = cast(%(device_id)s as varchar) and status = '启用'
            and updated_at = cast(%(updated_at)s as timestamptz)
    )
    on conflict do nothing
    returning nonce
), quiet_state as (
    update terminal_state set
        last_heartbeat_at = cast(%(now)s as timestamptz),
        components = coalesce(cast(%(components)s as jsonb), components),
        software_version = coalesce(cast(%(software_version)s as varchar), software_version),
        device_time = coalesce(cast(%(device_time)s as timestamptz), device_time)
    where device_id = cast(%(device_id)s as varchar) and online is true and exists (select 1 from claimed)
        and (cast(%(running_state)s as varchar) is null
             or (running_state = cast(%(running_state)s as varchar) and faults = cast(%(faults)s as jsonb)))
    returning device_id
), quiet_device as (
    update terminal_device set last_seen_at = cast(%(now)s as timestamptz), last_ip = cast(%(ip)s as varchar)
    where device_id = cast(%(device_id)s as varchar) and exists (select 1 from quiet_state)
    returning device_id
)
select (select count(*) from claimed) as claimed, (select count(*) from quiet_device) as quiet
"""


def quiet_signed_heartbeat_params(
    device_id: str, nonce: str, expires: datetime, updated_at: datetime, now: datetime, ip: str | None,
    report: dict,
) -> dict[str, Any]:  # fmt: skip
    """The parameters of `QUIET_SIGNED_HEARTBEAT` for one heartbeat's report."""
    components, faults_ = report.get("components"), report.get("faults")
    return {
        "device_id": device_id,
        "nonce": nonce,
        "expires": expires,
        "updated_at": updated_at,
        "now": now,
        "ip": ip,
        "components": None if components is None else orjson.dumps(components).decode(),
        "software_version": report.get("software_version"),
        "device_time": report.get("device_time"),
        "running_state": report.get("running_state"),
        "faults": None if faults_ is None else orjson.dumps(faults_).decode(),
    }


def report_of(components: Components | None, software_version: str | None) -> dict:
    """What a heartbeat tells: components (with the running state they imply) and the version."""
    report: dict = {}
    if software_version:
        report["software_version"] = software_version
    if components is not None:
        codes = faults(components)
        report |= {
            "components": components.model_dump(exclude_none=True),
            "faults": codes,
            "running_state": running_state(codes),
            "parts": {code: getattr(components, code) for code in codes},
        }
    return report


async def record_heartbeat(
    session: AsyncSession, device_id: str, now: datetime, ip: str | None, report: dict
) -> DeviceState | None:
    """Apply one heartbeat (the caller commits). Returns the state row when it changed."""
    quiet = {k: v for k, v in report.items() if k != "parts"}
    connection = await session.connection()  # Core, not ORM: the ORM drops a CTE update's RETURNING
    if (await connection.execute(_quiet_heartbeat(device_id, now, ip, quiet))).first() is not None:
        return None
    await session.execute(
        pg_insert(DeviceState)
        .values(device_id=device_id, online=False, running_state="未知", faults=[])
        .on_conflict_do_nothing()
    )
    state = await session.scalar(
        sa.select(DeviceState).where(DeviceState.device_id == device_id).with_for_update()
    )
    if not state.online:
        await _came_online(session, state, now)
    if "running_state" in report:
        await _new_running_state(session, state, report, now)
    state.last_heartbeat_at = now
    state.components = quiet.get("components", state.components)
    state.software_version = report.get("software_version", state.software_version)
    state.device_time = report.get("device_time", state.device_time)
    await session.execute(
        sa.update(Device)
        .where(Device.device_id == device_id)
        .values(last_seen_at=now, last_ip=ip, updated_at=Device.updated_at)
    )
    return state


async def _came_online(session: AsyncSession, state: DeviceState, now: datetime) -> None:
    previous = "离线" if state.online_changed_at else None
    session.add(
        StateChange(device_id=state.device_id, at=now, kind=ONLINE_KIND, from_state=previous,
                    to_state="在线", faults=[], cause=HEARTBEAT)
    )  # fmt: skip
    state.online, state.online_changed_at = True, now
    await alarms.auto_clear(session, state.device_id, [OFFLINE], now)


async def _new_running_state(session: AsyncSession, state: DeviceState, report: dict, now: datetime) -> None:
    new_state, new_faults = report["running_state"], report["faults"]
    if (state.running_state, list(state.faults or [])) == (new_state, new_faults):
        return
    old_faults = list(state.faults or [])
    session.add(
        StateChange(device_id=state.device_id, at=now, kind=RUNNING_KIND, from_state=state.running_state,
                    to_state=new_state, faults=new_faults, cause=HEARTBEAT)
    )  # fmt: skip
    state.running_state, state.faults, state.running_changed_at = new_state, new_faults, now
    for code in new_faults:
        if code not in old_faults:
            await alarms.raise_alarm(
                session, state.device_id, code, fault_text(code, report["parts"][code]), now
            )
    await alarms.auto_clear(session, state.device_id, [c for c in old_faults if c not in new_faults], now)
