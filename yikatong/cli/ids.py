"""`ykt id check ID...`: GB 11643 verdicts, exit 1 when any number is invalid."""

from __future__ import annotations

import typer
from rich.console import Console

from yikatong.ids import check_id

app = typer.Typer(no_args_is_help=True)
console = Console(highlight=False)


@app.command("check")
def check(numbers: list[str] = typer.Argument(..., help="一个或多个身份证号码")) -> None:
    """逐个校验身份证号码（社会保障号码），打印有效/无效及原因。"""
    bad = 0
    for number in numbers:
        verdict = check_id(number)
        if verdict.valid:
            extra = f"（{verdict.sex}，{verdict.birth_date}）" + (
                f" 警告：{verdict.warning}" if verdict.warning else ""
            )
            console.print(f"{verdict.number}\t[green]有效 valid[/green]{extra}")
        else:
            bad += 1
            console.print(f"{verdict.number}\t[red]无效 invalid[/red]\t{verdict.code}\t{verdict.reason}")
    raise typer.Exit(1 if bad else 0)
