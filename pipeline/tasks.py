"""Entry points that Airflow tasks call in the core environment: `python -m pipeline.tasks <command>`.

Each command is one transaction over one logical date and exits non-zero on failure, with the reason
on stderr (Airflow shows it in the task log and retries the task).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from pipeline import ingest
from pipeline.routes import SOURCES, route


def cmd_ingest(args: argparse.Namespace) -> str:
    r = route(args.route)
    if SOURCES[r.source].kind == "database":
        result = ingest.ingest_database_route(r, args.ds)
    elif r.source == "card_events":
        result = ingest.ingest_event_files(r, args.ds)
    else:
        result = ingest.ingest_exchange_files(r, args.ds)
    verdict = "一致" if result.reconciled else "不一致"
    return f"{r.route_id} {args.ds}: 源 {result.source_rows} 行 → bronze {result.rows} 行（{verdict}）"


COMMANDS = {"ingest": cmd_ingest}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline.tasks", description="流水线任务入口")
    sub = p.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="一条交换路由的一个逻辑日期 → bronze")
    ing.add_argument("--route", required=True)
    ing.add_argument("--ds", required=True, type=date.fromisoformat)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(COMMANDS[args.command](args))
    except Exception as exc:  # the task log shows the reason; Airflow decides about retries
        print(f"任务失败 / task failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
