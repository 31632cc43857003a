"""`ykt pipeline status`: the latest reconciliation (对账) of every route, as a table.

Exits non-zero when the latest run of any route does not reconcile exactly (or nothing has been
reconciled yet), so scripts and health checks can rely on the exit code.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

console = Console(width=200)  # a wide table: routes and notes must not wrap in logs
COLUMNS = ("路由", "逻辑日期", "源", "bronze", "silver", "隔离", "源金额", "silver+隔离金额", "一致", "说明")


def _amount(row: dict) -> tuple[str, str]:
    if row["source_amount"] is None:
        return "", ""
    landed = (row["silver_amount"] or 0) + (row["quarantine_amount"] or 0)
    return f"{row['source_amount']:,.2f}", f"{landed:,.2f}"


def _cells(row: dict) -> list[str]:
    def count(value: int | None) -> str:
        return "" if value is None else f"{value:,}"

    verdict = "[green]✔[/green]" if row["ok"] else "[red]✘[/red]"
    layers = [count(row[f"{layer}_rows"]) for layer in ("source", "bronze", "silver", "quarantine")]
    return [row["route_id"], str(row["logical_date"]), *layers, *_amount(row), verdict, row["note"] or ""]


def status() -> None:
    """对账状态：每条路由最近一次对账（源 = bronze = silver + 隔离区）；有不一致时退出码为 1。"""
    from pipeline import reconcile

    rows = reconcile.latest()
    table = Table(title="对账状态（每条路由最近一次）")
    for name in COLUMNS:
        table.add_column(name, justify="right" if name not in ("路由", "说明") else "left")
    for row in rows:
        table.add_row(*_cells(row))
    console.print(table)
    bad = [r["route_id"] for r in rows if not r["ok"]]
    if not rows:
        console.print("[red]尚无对账记录：请先运行 ykt pipeline run[/red]")
    elif bad:
        console.print(f"[red]{len(bad)} 条路由不一致：{', '.join(bad)}[/red]")
    if not rows or bad:
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(status)
