"""离线判定（seed 2.3.3）：心跳超时（`YKT_DEVICE_ONLINE_TIMEOUT_S`）的在线设备置为离线并告警。

Runs in every API worker (from `services.housekeeping`). One `UPDATE … WHERE online AND
last_heartbeat_at < cutoff RETURNING` flips each device exactly once: a second worker running at
the same moment waits on the row locks, re-checks the condition, and finds nothing left to flip.
The history rows and alarms are written in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from services.base import db
from services.terminals import alarms, clock
from services.terminals.components import OFFLINE, fault_text
from services.terminals.monitoring_models import DeviceState, StateChange
from services.terminals.status import ONLINE_KIND, TIMEOUT
from yikatong.settings import get_settings


async def sweep_offline(now: datetime | None = None, device_ids: list[str] | None = None) -> list[str]:
    """Mark devices whose last heartbeat is older than the timeout offline; returns their IDs.

    `device_ids` limits the sweep (the history backfill replays one device's past at a time).
    """
    now = now or clock.now()
    cutoff = now - timedelta(seconds=get_settings().device_online_timeout_s)
    only = DeviceState.device_id.in_(device_ids) if device_ids is not None else sa.true()
    async with db.sessionmaker()() as session:
        flipped = (
            await session.scalars(
                sa.update(DeviceState)
                .where(DeviceState.online.is_(True), DeviceState.last_heartbeat_at < cutoff, only)
                .values(online=False, online_changed_at=now)
                .returning(DeviceState.device_id)
            )
        ).all()
        for device_id in flipped:
            session.add(
                StateChange(device_id=device_id, at=now, kind=ONLINE_KIND, from_state="在线",
                            to_state="离线", faults=[], cause=TIMEOUT)
            )  # fmt: skip
            await alarms.raise_alarm(session, device_id, OFFLINE, fault_text(OFFLINE, None), now)
        await session.commit()
    return list(flipped)
