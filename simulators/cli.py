"""`ykt simulate`: generate the upstream systems, or `--advance 1d` to append a day of changes."""

from __future__ import annotations

import re

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()
_ADVANCE = re.compile(r"^(\d+)d$")


def _progress() -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    return Progress(*columns, TimeElapsedColumn(), console=console, transient=True)


def _parse_days(advance: str) -> int:
    match = _ADVANCE.match(advance.strip())
    if not match or int(match.group(1)) < 1:
        raise typer.BadParameter(f"无法识别 {advance!r}，应为 1d、7d 这样的天数", param_hint="--advance")
    return int(match.group(1))


def simulate(
    scale: str = typer.Option(None, help="规模 small / demo / bench（默认 YKT_SCALE）"),
    seed: int = typer.Option(None, help="随机种子（默认 YKT_SEED）"),
    dirt_rate: float = typer.Option(None, help="脏数据注入比例（默认 YKT_DIRT_RATE）"),
    advance: str = typer.Option(None, help="在已有数据上追加若干天的变化，例如 1d"),
) -> None:
    """生成模拟的上游系统（省卡管、全民参保库、持卡库、社保业务库、交换平台、用卡事件）。"""
    from simulators import scales, world
    from yikatong.settings import get_settings

    s = get_settings()
    try:
        if advance:
            days = _parse_days(advance)
            with _progress() as bar:
                result = world.advance(days, progress=_reporter(bar))
        else:
            scale_obj = scales.get_scale(scale or s.scale)
            with _progress() as bar:
                result = world.simulate(scale_obj.name, seed if seed is not None else s.seed,
                                        dirt_rate if dirt_rate is not None else s.dirt_rate,
                                        progress=_reporter(bar))  # fmt: skip
    except ValueError as exc:
        console.print(f"[red]错误[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(result.summary())
    print(f"fingerprint: {result.fingerprint}")


def _reporter(bar: Progress):
    tasks: dict[str, int] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return report
