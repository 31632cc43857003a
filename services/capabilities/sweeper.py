"""每个 API 进程的定时清理：删除过期的合作系统请求随机数（幂等，多进程同时执行无妨）。"""

from __future__ import annotations

import asyncio
import logging

from services.base import db
from services.capabilities.partner_auth import sweep_nonces

EVERY_S = 60
log = logging.getLogger(__name__)


async def sweep() -> int:
    async with db.sessionmaker()() as session:
        removed = await sweep_nonces(session)
        await session.commit()
    return removed


async def run_forever() -> None:
    while True:
        await asyncio.sleep(EVERY_S)
        try:
            await sweep()
        except Exception:  # a failed sweep must not stop the worker; the next one catches up
            log.exception("合作系统随机数清理失败 / partner nonce sweep failed")
