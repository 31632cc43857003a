"""`ykt simulate`: generate the upstream systems, or `--advance 1d` to append a day of changes;
`ykt simulate fleet start|stop|status|history`: the kiosk fleet (`kiosk_fleet`) in the background."""

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


simulate = typer.Typer(help="上游系统模拟与终端模拟", invoke_without_command=True)
fleet = typer.Typer(help="终端（自助机）模拟：后台运行、停止、状态、回填历史", no_args_is_help=True)
simulate.add_typer(fleet, name="fleet")


@simulate.callback()
def generate(
    ctx: typer.Context,
    scale: str = typer.Option(None, help="规模 small / demo / bench（默认 YKT_SCALE）"),
    seed: int = typer.Option(None, help="随机种子（默认 YKT_SEED）"),
    dirt_rate: float = typer.Option(None, help="脏数据注入比例（默认 YKT_DIRT_RATE）"),
    advance: str = typer.Option(None, help="在已有数据上追加若干天的变化，例如 1d"),
) -> None:
    """生成模拟的上游系统（省卡管、全民参保库、持卡库、社保业务库、交换平台、用卡事件）。"""
    if ctx.invoked_subcommand is not None:
        return
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


@fleet.command("start")
def fleet_start(
    devices: int = typer.Option(20, min=1, max=500, help="设备台数"),
    seed: int = typer.Option(7, help="随机种子"),
    speed: float = typer.Option(60.0, min=1, max=100000, help="模拟时间倍速（模拟秒 / 真实秒）"),
) -> None:
    """在后台启动省卡管模拟（如未运行）与终端模拟（需 API 已运行）。"""
    from services.process import base_url, ready
    from simulators import kiosk_process

    try:
        console.print(kiosk_process.start_card_system())
        if not ready():
            raise kiosk_process.SimulatorProcessError(f"API 未就绪（{base_url()}），请先运行 ykt api serve")
        console.print(kiosk_process.start_fleet(devices, seed, speed))
    except kiosk_process.SimulatorProcessError as exc:
        console.print(f"[red]错误[/red] {exc}")
        raise typer.Exit(1) from None


@fleet.command("stop")
def fleet_stop() -> None:
    """停止终端模拟与本平台启动的省卡管模拟。"""
    from simulators import kiosk_process

    services = (("终端模拟", kiosk_process.FLEET), ("省卡管模拟", kiosk_process.CARD_SYSTEM))
    stopped = [name for name, svc in services if svc.stop()]
    console.print(f"已停止：{'、'.join(stopped)}" if stopped else "没有正在运行的模拟进程")


@fleet.command("status")
def fleet_status() -> None:
    """终端模拟是否在运行，以及它最近的统计（各类调用成功数、错误、心跳、预制卡、回盘失败）。"""
    import json

    from simulators import kiosk_process

    info = kiosk_process.fleet_status()
    console.print(f"终端模拟：{'运行中 pid ' + str(info['fleet_pid']) if info['fleet_pid'] else '未运行'}")
    province = info["card_system_pid"]
    console.print(f"省卡管模拟：{'运行中 pid ' + str(province) if province else '未由本平台启动'}")
    if info["fleet"]:
        print(json.dumps(info["fleet"], ensure_ascii=False, indent=1))
    if not info["fleet_pid"]:
        raise typer.Exit(1)


@fleet.command("history")
def fleet_history(
    days: int = typer.Option(14, min=1, max=29, help="回填天数（终端接口只接收 30 天内的事件）"),
    devices: int = typer.Option(20, min=1, max=500, help="设备台数"),
    seed: int = typer.Option(7, help="随机种子"),
) -> None:
    """按小时快速回放过去若干天（自检、日志、制卡、领卡、补换卡、回盘），供故障预测模型训练。"""
    from simulators import kiosk_fleet

    kiosk_fleet.main(["history", "--days", str(days), "--devices", str(devices), "--seed", str(seed)])
