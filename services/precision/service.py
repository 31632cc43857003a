"""一天的精准服务：运行各策略（幂等）、更新以往名单的成效、发布到分析库。"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from services.base import db as base_db
from services.precision import outcomes, publish, runner
from services.precision.strategies import STRATEGIES
from services.precision.targets import BEIJING
from yikatong import db

DEFAULT_CHANNEL = "tfth"  # 天府通办 (the demo registers it); `--channel` picks another registered channel


@dataclass
class DayResult:
    """各策略的运行结果、成效变化与发布的行数。"""

    as_of: date
    runs: list[runner.RunResult] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    published: int = 0


def latest_business_date() -> date:
    """The newest logical date the pipeline loaded (as dbt's marts), else today in Beijing."""
    with db.engine("analytics").connect() as conn:
        found = conn.execute(sa.text("select to_regclass('pipeline.batch') is not null")).scalar()
        newest = (
            conn.execute(sa.text("select max(logical_date) from pipeline.batch")).scalar() if found else None
        )
    return newest or datetime.now(BEIJING).date()


async def run_day(
    as_of: date, channel_id: str = DEFAULT_CHANNEL, run_by: str = "ykt strategy run",
    strategy_ids: list[str] | None = None,
) -> DayResult:  # fmt: skip
    """Run the strategies for ``as_of``, evaluate outcomes on ``as_of``, publish to analytics."""
    unknown = sorted(set(strategy_ids or ()) - set(STRATEGIES))
    if unknown:
        raise ValueError(f"未知策略：{', '.join(unknown)}（可选 {', '.join(STRATEGIES)}）")
    result = DayResult(as_of)
    async with base_db.sessionmaker()() as session, db.async_engine("analytics").connect() as conn:
        for strategy_id in strategy_ids or list(STRATEGIES):
            run = await runner.run_strategy(session, conn, STRATEGIES[strategy_id], as_of, channel_id, run_by)
            result.runs.append(run)
        result.outcomes = await outcomes.evaluate(session, conn, as_of)
    result.published = publish.run()
    return result
