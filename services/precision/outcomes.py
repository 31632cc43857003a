"""成效跟踪：名单中的人在 N 天内是否办理（领卡 / 申领 / 换卡）。

For every run before the evaluation date ``on`` with targets still 待观察, the strategy's outcome
query looks for the act in ``(as_of, min(as_of + N, on)]``: found → 已办理 with the first day;
not found and the N days are over → 未办理; otherwise it stays 待观察 and is looked at again.
Evaluating the same date twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.precision import targets as target_lists
from services.precision.models import StrategyTarget
from services.precision.strategies import STRATEGIES

PENDING, ACTED, NOT_ACTED = "待观察", "已办理", "未办理"


async def evaluate(session: AsyncSession, conn: AsyncConnection, on: date) -> Counter:
    """Update every open target's outcome as of ``on``; counts of 已办理 / 未办理 / 待观察 changed."""
    open_runs = await session.execute(
        sa.select(StrategyTarget.run_id, StrategyTarget.strategy_id, StrategyTarget.as_of_date)
        .where(StrategyTarget.outcome == PENDING, StrategyTarget.as_of_date < on)
        .group_by(StrategyTarget.run_id, StrategyTarget.strategy_id, StrategyTarget.as_of_date)
    )
    counts: Counter = Counter()
    for run_id, strategy_id, as_of in open_runs.all():
        strategy = STRATEGIES.get(strategy_id)
        if strategy is None:  # a strategy retired since: its open targets stay as they are
            continue
        deadline = as_of + timedelta(days=strategy.outcome_days)
        tokens = list(
            (await session.execute(
                sa.select(StrategyTarget.person_token)
                .where(StrategyTarget.run_id == run_id, StrategyTarget.outcome == PENDING)
            )).scalars()
        )  # fmt: skip
        done = await target_lists.acted(conn, strategy, tokens, as_of, min(deadline, on))
        if done:
            table = StrategyTarget.__table__  # Core executemany: one statement, one row per person
            await session.execute(
                sa.update(table)
                .where(table.c.run_id == sa.bindparam("r"), table.c.person_token == sa.bindparam("t"))
                .values(outcome=ACTED, acted_on=sa.bindparam("d"), checked_on=on),
                [{"r": run_id, "t": token, "d": day} for token, day in done.items()],
            )
        rest = sa.update(StrategyTarget).where(
            StrategyTarget.run_id == run_id, StrategyTarget.outcome == PENDING
        )
        closed = on >= deadline
        await session.execute(rest.values(outcome=NOT_ACTED if closed else PENDING, checked_on=on))
        counts[ACTED] += len(done)
        counts[NOT_ACTED if closed else PENDING] += len(tokens) - len(done)
    await session.commit()
    return counts
