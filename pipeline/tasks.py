"""Entry points that Airflow tasks call in the core environment: `python -m pipeline.tasks <command>`.

Each command is one transaction over one logical date and exits non-zero on failure, with the reason
on stderr (Airflow shows it in the task log and retries the task).
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from datetime import date

from pipeline import ingest
from pipeline.routes import SOURCES, route

DS_COMMANDS = {
    "conform": "bronze → silver：一个或多个数据集（逗号分隔），共用一个 Spark 会话",
    "reconcile": "对账：每条路由 源 = bronze = silver + 隔离区",
    "monitor": "数据监测：各来源系统的及时性、数据量与失败批次，必要时告警",
    "load": "silver → PostgreSQL analytics.raw_*",
    "gold": "silver → gold（轨迹汇集库、个人画像库）并装载 analytics.raw_gold_*",
}


def cmd_ingest(args: argparse.Namespace) -> str:
    r = route(args.route)
    if SOURCES[r.source].kind == "database":
        result = ingest.ingest_database_route(r, args.ds)
    elif r.source == "card_events":
        result = ingest.ingest_event_files(r, args.ds)
    else:
        result = ingest.ingest_exchange_files(r, args.ds)
    if result.skipped:
        return f"{r.route_id} {args.ds}: 跳过 — {result.skipped}"
    verdict = "一致" if result.reconciled else "不一致"
    return f"{r.route_id} {args.ds}: 源 {result.source_rows} 行 → bronze {result.rows} 行（{verdict}）"


def cmd_conform(args: argparse.Namespace) -> str:
    from pipeline.conform import ConformFailed, conform

    datasets = [d.strip() for d in args.dataset.split(",") if d.strip()]
    done = conform(datasets, args.ds)
    lines = [
        f"silver.{c.dataset} {args.ds}: 候选 {c.result.rows_in} 行，接受 {c.result.accepted} 行，"
        f"隔离 {c.result.quarantined} 行（{c.result.seconds:.1f}s）"
        if c.error is None
        else f"silver.{c.dataset} {args.ds}: 失败 {c.error}"
        for c in done
    ]
    if any(c.error for c in done):
        raise ConformFailed("\n".join(lines))
    return "\n".join(lines)


def cmd_reconcile(args: argparse.Namespace) -> str:
    from pipeline import reconcile

    rows = reconcile.run(args.ds)
    bad = [r["route_id"] for r in rows if not r["ok"]]
    summary = f"对账 {args.ds}: {len(rows) - len(bad)}/{len(rows)} 条路由一致"
    return summary + (f"；不一致：{', '.join(bad)}" if bad else "")


def cmd_monitor(args: argparse.Namespace) -> str:
    from pipeline import monitor

    alerts = monitor.run(args.ds)
    return f"监测 {args.ds}: {len(alerts)} 条告警" + "".join(
        f"\n  [{a.severity}] {a.message}" for a in alerts
    )


def cmd_load(args: argparse.Namespace) -> str:
    from pipeline import load

    loaded = load.run(args.ds)
    return f"装载 {args.ds}: " + ", ".join(f"{name} {rows} 行" for name, rows in loaded.items())


def cmd_gold(args: argparse.Namespace) -> str:
    from pipeline import gold_load
    from spark_jobs import gold

    built = gold.build(args.ds)
    loaded = gold_load.run(args.ds)
    return "\n".join(
        [f"gold.{name} {args.ds}: {rows} 行（{seconds:.1f}s）" for name, (rows, seconds) in built.items()]
        + [f"装载 {name}: {rows} 行" for name, rows in loaded.items()]
    )


COMMANDS = {
    "ingest": cmd_ingest,
    "conform": cmd_conform,
    "reconcile": cmd_reconcile,
    "monitor": cmd_monitor,
    "load": cmd_load,
    "gold": cmd_gold,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline.tasks", description="流水线任务入口")
    sub = p.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="一条交换路由的一个逻辑日期 → bronze")
    ing.add_argument("--route", required=True)
    ing.add_argument("--ds", required=True, type=date.fromisoformat)
    for name, help_text in DS_COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if name == "conform":
            command.add_argument("--dataset", required=True, help="数据集，逗号分隔，如 person,card")
        command.add_argument("--ds", required=True, type=date.fromisoformat)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(COMMANDS[args.command](args))
    except Exception as exc:  # the task log shows the reason; Airflow decides about retries
        print(f"任务失败 / task failed: {exc}", file=sys.stderr)
        return 1
    return 0


def exit_now(code: int) -> None:
    """Exit without the interpreter's finalisation, which takes seconds per task here (pyarrow,
    delta-rs, pandas and polars tearing down). Everything a task writes is committed before `main`
    returns; the exit handlers still run and the output is flushed first."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
