"""`ykt strategy …`：服务策略的运行（目标名单 → 渠道待办 → 成效）与策略清单。

The Airflow DAG `precision_service` calls `python -m services.precision.cli run --as-of <date>`.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

import typer

app = typer.Typer(help="精准服务：服务策略运行与成效跟踪", no_args_is_help=True)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"业务日期格式应为 YYYY-MM-DD：{text}") from None


@app.command("list")
def list_command() -> None:
    """列出已声明的服务策略。"""
    from services.precision.strategies import STRATEGIES

    for s in STRATEGIES.values():
        typer.echo(f"{s.strategy_id}\t{s.name}\t成效：{s.outcome_days} 天内{s.outcome_name}\t{s.description}")


@app.command("run")
def run_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="业务日期 YYYY-MM-DD（默认：最近装载的日期）")
    ] = None,
    channel: Annotated[str, typer.Option("--channel", help="投递待办的渠道编号")] = "tfth",
    strategy: Annotated[list[str] | None, typer.Option("--strategy", help="只运行这些策略（可重复）")] = None,
) -> None:
    """运行服务策略：保存目标名单、经渠道外发消息投递待办、更新以往名单的成效、发布到分析库。"""
    from services import migrations
    from services.base import db as base_db
    from services.precision import outcomes, service

    migrations.upgrade()  # the run's tables live in `ops` (a no-op when current, as `ykt api migrate`)
    day = _day(as_of) or service.latest_business_date()
    try:
        result = asyncio.run(service.run_day(day, channel, strategy_ids=strategy))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    finally:
        base_db.forget_engines()
    for run in result.runs:
        state = "已运行过，未重复投递" if run.existing else "新运行"
        note = f"；{run.note}" if run.note else ""
        typer.echo(
            f"{run.strategy_id} {run.as_of}: 目标 {run.targets} 人，投递 {run.enqueued} 条（{state}{note}）"
        )
    judged = {k: v for k, v in result.outcomes.items() if k != outcomes.PENDING}
    changed = "，".join(f"{k} {v}" for k, v in sorted(judged.items())) or "无"
    waiting = result.outcomes.get(outcomes.PENDING, 0)
    published = f"发布 analytics.raw_precision_target {result.published} 行"
    typer.echo(f"成效新判定：{changed}；仍待观察 {waiting} 人；{published}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
