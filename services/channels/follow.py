"""跟进制卡进度：在途申请（已提交省卡管 / 制卡中）自动随省卡管的阶段推进，无需工作人员逐件点"同步"。

Each worker's loop (`run_forever`, every `YKT_CHANNEL_FOLLOW_S` seconds, default 60) takes up to
`BATCH` open applications waiting on the province, round-robin by ID so a long queue is covered in
turn, claims them with `FOR UPDATE SKIP LOCKED` (two workers never follow the same one) and applies
`service.sync`: 省级制卡 → 制卡中, 发往网点 → 待领卡, 审核不通过 → 已退回. Every move is recorded and
pushed to the resident's channel like any other (the outbox, same transaction). An application the
province cannot answer for now stays as it is until the next pass; staff can still sync by hand.
"""

from __future__ import annotations

import asyncio
import logging
import os

import sqlalchemy as sa

from services.base import db
from services.base.errors import ApiError
from services.channels import service
from services.channels.models import Application

WAITING = ("已提交省卡管", "制卡中")
BATCH = 50
log = logging.getLogger(__name__)
_after = {"id": 0}  # this worker's round-robin position


def every_s() -> float:
    return float(os.environ.get("YKT_CHANNEL_FOLLOW_S", "60"))


async def follow_due() -> dict[str, int]:
    """One pass over the next waiting applications; counts checked / moved / unavailable."""
    counts = {"checked": 0, "moved": 0, "unavailable": 0}
    async with db.sessionmaker()() as session:
        query = (
            sa.select(Application)
            .where(Application.open.is_(True), Application.state.in_(WAITING))
            .order_by(Application.application_id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        apps = (await session.scalars(query.where(Application.application_id > _after["id"]))).all()
        if not apps and _after["id"]:
            _after["id"] = 0  # wrapped around
            apps = (await session.scalars(query)).all()
        for app in apps:
            _after["id"] = app.application_id
            before = app.state
            try:
                async with session.begin_nested():
                    await service.sync(session, app)
            except ApiError:  # the province does not answer now: try again next pass
                counts["unavailable"] += 1
                continue
            counts["checked"] += 1
            counts["moved"] += app.state != before
        await session.commit()
    return counts


async def run_forever() -> None:
    while True:
        await asyncio.sleep(every_s())
        try:
            await follow_due()
        except Exception:  # a bad pass is logged; cancellation (not an Exception) stops the loop
            log.exception("制卡进度跟进失败 / following the province failed")
