"""分析库建模 (dbt): staging → intermediate → marts on PostgreSQL `analytics`, from this process.

`dbt_env()` turns the platform settings into the variables `dbt/profiles.yml` reads (for the
embedded server the host is its Unix-socket directory), and `invoke()` puts dbt's `target/` and `logs/`
under `<home>/dbt` so the repository stays clean. `invoke()` runs one dbt command in-process through
`dbtRunner` with that environment. `build(ds)` is the pipeline task after the load (models, seeds,
data tests and unit tests, as of the business date); `docs()` writes the static documentation site
that `make run` serves (`pipeline.dbt_docs`).

Run from a shell or Airflow: `python -m pipeline.transform build --ds 2026-11-27` (exit 1 on failure,
the failing nodes on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from yikatong.settings import REPO_ROOT, get_settings

PROJECT_DIR = REPO_ROOT / "dbt"


class TransformFailed(RuntimeError):
    """dbt reported failing nodes or could not run (message in Chinese and English)."""


@dataclass
class DbtResult:
    command: list[str]
    success: bool
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)  # status → nodes (success, pass, error, fail …)
    failures: list[str] = field(default_factory=list)  # "node: message" of failing nodes

    def summary(self) -> str:
        counts = "，".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        verdict = "成功" if self.success else "失败"
        return f"dbt {' '.join(self.command[:1])} {verdict}（{self.seconds:.1f}s；{counts or '无节点'}）"


def dbt_home() -> Path:
    path = get_settings().home.resolve() / "dbt"
    path.mkdir(parents=True, exist_ok=True)
    return path


def target_dir() -> Path:
    return dbt_home() / "target"


def dbt_env() -> dict[str, str]:
    """The environment `dbt/profiles.yml` reads, for the platform's `analytics` database."""
    from yikatong import db

    url = db.url_for("analytics")
    # a Unix-socket URL names its directory (and maybe its port) in the query: ?host=/dir&port=N
    host = url.query.get("host") or url.host or "127.0.0.1"
    port = url.port or url.query.get("port") or 5432
    return {
        "DBT_PG_HOST": host if isinstance(host, str) else host[0],
        "DBT_PG_PORT": str(port if isinstance(port, int | str) else port[0]),
        "DBT_PG_USER": url.username or "postgres",
        "DBT_PG_PASSWORD": url.password or "",
        "DBT_PG_DATABASE": url.database or "analytics",
    }


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def invoke(args: Sequence[str]) -> DbtResult:
    """Run one dbt command (e.g. ``["build"]``) against `analytics`; never raises on dbt failures."""
    from dbt.cli.main import dbtRunner

    command = [
        *args,
        *("--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)),
        *("--target-path", str(target_dir()), "--log-path", str(dbt_home() / "logs")),
    ]
    started = time.perf_counter()
    with _environment(dbt_env()):
        outcome = dbtRunner().invoke(command)
    result = DbtResult(list(args), bool(outcome.success), time.perf_counter() - started)
    for node in getattr(outcome.result, "results", None) or []:
        status = str(getattr(node.status, "value", node.status))
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status in {"error", "fail", "runtime error"}:
            result.failures.append(f"{node.node.name}: {(node.message or '').strip()[:300]}")
    if outcome.exception is not None:
        result.failures.append(f"dbt: {outcome.exception}")
    return result


def build_args(ds: date | None = None) -> list[str]:
    """`dbt build` as of business date ``ds`` (default: the newest logical date the pipeline took)."""
    args = ["build"]
    if ds is not None:
        args += ["--vars", json.dumps({"as_of": ds.isoformat()})]
    return args


def build(ds: date | None = None) -> DbtResult:
    """Seeds, models, data tests and unit tests; raises `TransformFailed` when anything fails."""
    result = invoke(build_args(ds))
    if not result.success:
        raise TransformFailed(
            f"dbt build 失败 / failed ({result.summary()}):\n" + "\n".join(result.failures[:20])
        )
    return result


def docs() -> Path:
    """Write the documentation site (`dbt docs generate`) and return its folder."""
    result = invoke(["docs", "generate"])
    if not result.success:
        raise TransformFailed("dbt docs generate 失败 / failed:\n" + "\n".join(result.failures[:20]))
    return target_dir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.transform", description="dbt 建模（analytics）")
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="dbt build：种子、模型、数据测试与单元测试")
    build_cmd.add_argument("--ds", type=date.fromisoformat, help="业务日期 YYYY-MM-DD")
    sub.add_parser("docs", help="dbt docs generate")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            print(build(args.ds).summary())
        else:
            print(f"dbt 文档 / docs: {docs()}")
    except Exception as exc:  # the task log shows the reason; Airflow decides about retries
        print(f"任务失败 / task failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
