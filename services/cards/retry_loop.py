"""The background loop of automatic write-back retries, one per API worker (started by the app)."""

from __future__ import annotations

import asyncio
import logging

from services.cards import writeback
from services.cards.card_system_client import CardSystemClient

log = logging.getLogger(__name__)


async def run_forever() -> None:
    every = writeback.policy().every_s
    async with CardSystemClient() as client:
        while True:
            await asyncio.sleep(every)
            try:
                await writeback.retry_due(client)
            except Exception:  # the database or the province may be down; next round
                log.warning("回盘自动重试失败 / write-back retry round failed", exc_info=True)
