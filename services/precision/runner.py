"""策略运行：一个策略、一个业务日期一次（幂等）；目标名单随运行保存，并作为待办经渠道外发消息投递。

The run row, its targets and their outbox messages are written in one ``ops`` transaction, so a
target list is never half delivered; the unique ``(strategy_id, as_of_date)`` makes a second run of
the same day (a retry, a concurrent Airflow task) answer the first run instead of sending again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.channels import outbox
from services.channels.models import Channel
from services.precision import targets as target_lists
from services.precision.models import StrategyRun, StrategyTarget
from services.precision.strategies import Strategy


@dataclass(frozen=True)
class RunResult:
    """一次策略运行的结果（`existing`：该日期已运行过，本次未重复投递）。"""

    run_id: int
    strategy_id: str
    as_of: date
    targets: int
    enqueued: int
    existing: bool
    note: str | None = None


def _result(run: StrategyRun, existing: bool) -> RunResult:
    return RunResult(
        run.run_id, run.strategy_id, run.as_of_date, run.targets, run.enqueued, existing, run.note
    )


async def _existing(session: AsyncSession, strategy_id: str, as_of: date) -> StrategyRun | None:
    query = sa.select(StrategyRun).where(
        StrategyRun.strategy_id == strategy_id, StrategyRun.as_of_date == as_of
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _channel_ready(session: AsyncSession, channel_id: str) -> str | None:
    """None when the channel can take messages, else why not (the run still keeps its list)."""
    channel = await session.get(Channel, channel_id)
    if channel is None:
        return f"渠道 {channel_id} 未登记，目标名单已保存但未投递"
    if channel.status != "启用":
        return f"渠道 {channel_id} 已停用，目标名单已保存但未投递"
    return None


def payload(strategy: Strategy, run_id: int, as_of: date, row: dict) -> dict:
    """The task a channel shows the resident (masked name only)."""
    text = strategy.message.format(
        name_masked=row.get("name_masked") or "",
        subject=row.get("subject") or "",
        basis_on=row.get("basis_on") or "",
    )
    return {
        "kind": "服务待办",
        "strategy_id": strategy.strategy_id,
        "title": strategy.name,
        "message": text,
        "run_id": run_id,
        "as_of": as_of.isoformat(),
        "due_on": (as_of + timedelta(days=strategy.outcome_days)).isoformat(),
    }


async def run_strategy(
    session: AsyncSession,
    conn: AsyncConnection,
    strategy: Strategy,
    as_of: date,
    channel_id: str,
    run_by: str,
) -> RunResult:
    """Run ``strategy`` for ``as_of`` once: store the target list and enqueue one task per person."""
    found = await _existing(session, strategy.strategy_id, as_of)
    if found is not None:
        return _result(found, existing=True)
    rows = await target_lists.compute(conn, strategy, as_of)
    note = await _channel_ready(session, channel_id)
    run = StrategyRun(
        strategy_id=strategy.strategy_id,
        strategy_name=strategy.name,
        as_of_date=as_of,
        channel_id=channel_id,
        targets=len(rows),
        enqueued=0 if note else len(rows),
        note=note,
        run_by=run_by,
    )
    session.add(run)
    try:
        await session.flush()
    except IntegrityError:  # another process ran the same strategy and day just now
        await session.rollback()
        return _result(await _existing(session, strategy.strategy_id, as_of), existing=True)
    targets = []
    for row in rows:
        message_id = None
        if note is None:
            body = payload(strategy, run.run_id, as_of, row)
            message_id = await outbox.enqueue(session, channel_id, strategy.topic, row["person_token"], body)
        targets.append(
            {
                "run_id": run.run_id,
                "strategy_id": strategy.strategy_id,
                "as_of_date": as_of,
                "person_token": row["person_token"],
                "id_masked": row["id_masked"],
                "name_masked": row["name_masked"],
                "county_code": row["county_code"],
                "subject": row["subject"],
                "basis_on": row["basis_on"],
                "message_id": message_id,
                "outcome": "待观察",
            }
        )
    if targets:
        await session.execute(sa.insert(StrategyTarget), targets)
    await session.commit()
    return _result(run, existing=False)
