"""What the access log costs (渠道访问记录, seed 5.2): per request, per flushed row, and under load.

Three figures, each beside its baseline in the same run:

1. in process: one request through the middleware (classification, masking, placing, queuing) vs
   the same bare ASGI endpoint, 20,000 calls per run, interleaved A B A B, 5 runs: µs per request;
2. the writer: 100,000 rows flushed by the writer (async COPY on the pooled connection, batches of
   500 as in service) vs one synchronous PostgreSQL COPY of the same rows: rows per second;
3. served: the bare ping through uvicorn as `make run` serves it (2 workers, uvloop, httptools),
   with the middleware (`services.app:create_app`) vs without it, `wrk -t2 -c<N> -d<S>s`, A B A B
   for `--rounds` pairs: req/s, p50, p99.

    python -m benchmarks.bench_access_log [--duration 15 --rounds 3 --connections 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from benchmarks._report import readme_line, summary, write

DATABASE = "ops_access_bench"
CALLS, RUNS, ROWS = 20_000, 5, 100_000


def app_without_access_log():
    """`create_app()` with the access-log middleware taken out (the baseline server)."""
    from services.access_log.middleware import AccessLogMiddleware
    from services.app import create_app

    app = create_app()
    app.user_middleware = [m for m in app.user_middleware if m.cls is not AccessLogMiddleware]
    return app


# ---------- 1. in process


def _scope() -> dict:
    return {"type": "http", "method": "GET", "path": "/api/v1/_bench/ping", "query_string": b"",
            "headers": [], "client": ("10.102.7.9", 5000), "state": {"request_id": "bench"}}  # fmt: skip


async def _endpoint(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


async def _noop(message) -> None:
    return None


def per_request_us() -> dict:
    from services.access_log.middleware import AccessLogMiddleware

    class Discard:
        def record(self, row) -> None:
            return None

    wrapped = AccessLogMiddleware(_endpoint, writer=Discard())

    async def run(app) -> float:
        started = time.perf_counter()
        for _ in range(CALLS):
            await app(_scope(), None, _noop)
        return (time.perf_counter() - started) / CALLS * 1e6

    samples: dict[str, list[float]] = {"bare": [], "with_access_log": []}
    for i in range(RUNS + 1):
        for name, app in (("bare", _endpoint), ("with_access_log", wrapped)):
            seconds = asyncio.run(run(app))
            if i:
                samples[name].append(seconds)
    figures = {name: summary(s, "_us", 2) for name, s in samples.items()}
    figures["overhead_us"] = round(
        statistics.median(samples["with_access_log"]) - statistics.median(samples["bare"]), 2
    )
    return figures


# ---------- 2. the writer


def _rows() -> list:
    from services.access_log.writer import Row

    at = datetime.now(UTC)
    fixed = (
        "天府通办",
        "tfth",
        "H5页面",
        "GET",
        "/h5/",
        "home",
        None,
        200,
        "2xx",
        None,
        12.5,
        "10.102.7.0/24",
    )
    return [Row(at, "resident", f"{n:064x}", *fixed, "511102", "市中区", f"bench-{n}") for n in range(ROWS)]


def _prepare_database() -> None:
    from services import migrations
    from yikatong import db

    db.ensure_databases(("postgres",))
    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{DATABASE}" with (force)'))
    admin.dispose()
    migrations.upgrade(DATABASE)


def flush_rows_per_s() -> dict:
    import psycopg

    from services.access_log import writer
    from services.base import db as base_db
    from yikatong import db
    from yikatong.settings import get_settings

    get_settings().ops_database = DATABASE
    base_db.forget_engines()
    rows = _rows()

    async def batched() -> float:
        started = time.perf_counter()
        for at in range(0, len(rows), writer.BATCH_ROWS):
            await writer._insert(rows[at : at + writer.BATCH_ROWS])
        seconds = time.perf_counter() - started
        await db.async_engine(DATABASE).dispose()
        base_db.forget_engines()
        return seconds

    def copied() -> float:
        started = time.perf_counter()
        columns = ", ".join(writer.Row._fields)
        with (
            psycopg.connect(db.dsn(DATABASE)) as conn,
            conn.cursor().copy(f"copy access_log ({columns}) from stdin") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - started

    samples: dict[str, list[float]] = {"writer_batched": [], "copy_baseline": []}
    for i in range(4):
        for name, work in (("writer_batched", lambda: asyncio.run(batched())), ("copy_baseline", copied)):
            seconds = work()
            if i:
                samples[name].append(ROWS / seconds)
    figures = {name: summary(s, "_rows_per_s", 0) for name, s in samples.items()}
    figures["ratio_writer_to_copy"] = round(
        figures["writer_batched"]["median_rows_per_s"] / figures["copy_baseline"]["median_rows_per_s"], 3
    )
    return figures


# ---------- 3. served


def _serve(target: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "YKT_OPS_DATABASE": DATABASE}
    cmd = [sys.executable, "-m", "uvicorn", "--factory", target, "--port", str(port), "--workers", "2",
           "--loop", "uvloop", "--http", "httptools", "--no-access-log",
           "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/_bench/ping", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.5)
    _stop(proc)
    raise RuntimeError(f"{target} 未能启动 / did not start")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group; SIGKILL it when it has not stopped within 60 s."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:  # wrk's connections can hold a graceful shutdown open
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def served(seconds: int, rounds: int, connections: int) -> dict:
    from benchmarks.bench_api_devices import free_port
    from benchmarks.bench_api_load import wrk

    targets = {"with_access_log": "services.app:create_app",
               "without_access_log": "benchmarks.bench_access_log:app_without_access_log"}  # fmt: skip
    blocks: dict[str, list[dict]] = {name: [] for name in targets}
    for round_no in range(rounds + 1):  # the first round warms up
        for name, target in targets.items():
            proc = _serve(target, port := free_port())
            try:
                block = wrk(f"http://127.0.0.1:{port}/api/v1/_bench/ping", seconds, connections)
            finally:
                _stop(proc)
            print(round_no, name, block, flush=True)
            if round_no:
                blocks[name].append(block)
    figures: dict = {}
    for name, found in blocks.items():
        figures[name] = {key: statistics.median(b[key] for b in found) for key in ("rps", "p50_ms", "p99_ms")}
        figures[name]["timeouts"] = sum(b["timeouts"] for b in found)
        figures[name]["socket_errors"] = sum(b["socket_errors"] for b in found)
    with_log, without = figures["with_access_log"]["rps"], figures["without_access_log"]["rps"]
    figures["throughput_ratio"] = round(with_log / without, 3)
    return figures


def main() -> None:
    args = argparse.ArgumentParser(prog="python -m benchmarks.bench_access_log")
    args.add_argument("--duration", type=int, default=15, help="seconds per wrk block")
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--connections", type=int, default=2000)
    args.add_argument("--skip-served", action="store_true", help="only the in-process and writer figures")
    opts = args.parse_args()
    _prepare_database()
    figures = {"per_request": per_request_us(), "flush": flush_rows_per_s()}
    print(figures, flush=True)
    if not opts.skip_served:
        figures["served_ping"] = served(opts.duration, opts.rounds, opts.connections)
    command = " ".join(["python -m benchmarks.bench_access_log", *sys.argv[1:]]).strip()
    print(write("access_log", command, figures))
    line = (f"middleware +{figures['per_request']['overhead_us']} µs/request; writer "
            f"{figures['flush']['writer_batched']['median_rows_per_s']:.0f} rows/s "
            f"(×{figures['flush']['ratio_writer_to_copy']} of COPY)")  # fmt: skip
    if "served_ping" in figures:
        line += f"; ping with/without {figures['served_ping']['throughput_ratio']}"
    readme_line("access_log", command, line)


if __name__ == "__main__":
    main()
