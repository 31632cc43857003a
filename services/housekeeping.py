"""Periodic clean-up in each API worker: expired device nonces, used login challenges, old sessions;
and the offline sweep of kiosks whose heartbeat timed out (`services.terminals.sweeper`).

Idempotent deletes, so several workers running it at once is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import sqlalchemy as sa

from services.admin.models import LoginChallenge
from services.base import db
from services.base.models import StaffSession
from services.terminals import sweeper
from services.terminals.models import DeviceNonce

EVERY_S = 60
log = logging.getLogger(__name__)


async def sweep() -> None:
    now = db.utcnow()
    async with db.sessionmaker()() as session:
        await session.execute(sa.delete(DeviceNonce).where(DeviceNonce.expires_at < now))
        await session.execute(
            sa.delete(LoginChallenge).where(LoginChallenge.expires_at < now - timedelta(hours=1))
        )
        await session.execute(
            sa.delete(StaffSession).where(StaffSession.expires_at < now - timedelta(days=30))
        )
        await session.commit()


async def run_forever() -> None:
    while True:
        await asyncio.sleep(EVERY_S)
        try:
            await sweep()
        except Exception:  # the database may be restarting; try again next round
            log.warning("清理过期数据失败 / housekeeping failed", exc_info=True)
        try:
            await sweeper.sweep_offline()
        except Exception:
            log.warning("离线判定失败 / offline sweep failed", exc_info=True)
