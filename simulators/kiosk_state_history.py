"""回填历史的运行状态：按设备时间，用平台自己的心跳与离线判定规则重放每小时的心跳。

The device API takes live heartbeats only (a `device_time` more than 5 minutes from the server's
is refused), so last month's heartbeats cannot honestly go through it. `ykt simulate fleet history`
runs beside the platform on its `ops` database, so it applies each past heartbeat with the
service's own code at that past time: `status.record_heartbeat` for a heartbeat that arrived, the
offline sweep (`sweeper.sweep_offline`, the injectable clock's time, this device only) for one that
did not. The platform therefore writes the same state changes and alarms it would have written
live. An operator's backfill, like a data migration, never an HTTP endpoint.

A device whose state already holds a heartbeat later than the backfill's start (the live fleet
ran first) is left alone, so history never overwrites a newer state. Run it before the live fleet:
while it runs, a live API's sweeper may also see the replayed (old) heartbeats as timed out.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from services.base import db
from services.terminals import status, sweeper
from services.terminals.components import Components
from services.terminals.monitoring_models import DeviceState
from simulators.kiosk_model import Kiosk


async def replayable(device_id: str, start: datetime) -> bool:
    """No heartbeat at or after `start` is recorded for the device yet."""
    async with db.sessionmaker()() as session:
        query = sa.select(DeviceState.last_heartbeat_at).where(DeviceState.device_id == device_id)
        last = await session.scalar(query)
    return last is None or last < start


async def replay_hour(kiosk: Kiosk, at: datetime) -> bool:
    """The hour's heartbeat at device time `at` (or, when it was dropped, the offline sweep then);
    returns whether a heartbeat arrived."""
    if kiosk.heartbeat_dropped(at):
        await sweeper.sweep_offline(at, [kiosk.device_id])
        return False
    body = kiosk.heartbeat(at).body
    report = status.report_of(Components(**body["components"]), body["software_version"]) | {
        "device_time": at
    }
    async with db.sessionmaker()() as session:
        await status.record_heartbeat(session, kiosk.device_id, at, None, report)
        await session.commit()
    return True
