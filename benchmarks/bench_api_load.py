"""API load at 2,000 connections (BENCHMARKS.md "Saturation"), against `ykt api serve` as `make run`
starts it (2 workers), with wrk on the same box:

    .venv/bin/python -m benchmarks.bench_api_load [--duration 30] [--rounds 3] [--connections 2000]

Per round, interleaved: A the bare baseline `GET /api/v1/_bench/ping` (no database), B the signed
kiosk heartbeat `POST /api/v1/device/heartbeat` (HMAC-SM3 signature, a fresh nonce per request,
device time and all seven components reported, state kept in `terminal_state`), C the county
device list `GET /api/v1/admin/devices?page=1&size=20` by 市中区's 区域管理员 (10,000 devices in the
county, every request audited). Figures: medians over rounds of req/s, p50, p99, socket errors,
timeouts and non-2xx responses; the ratio of each subject's median req/s to the baseline's (target
≥ 0.3). Before the wrk blocks, the single-client figure: p50/p99 of `--requests` sequential county
lists beside as many pings, `--pairs` interleaved blocks (target p99 ≤ 50 ms).

Heartbeats need a fresh nonce and signature per request, which wrk's Lua cannot compute (no SM3):
before each heartbeat block this script signs more requests than the block can send (2,000
kiosks, each with the demo secret of the seeded devices) and `benchmarks/lua/signed_heartbeat.lua`
replays them once each. The same tool (wrk, same threads, connections and duration) measures all
three. wrk comes from Debian (`apt-get install wrk`). Database `ops_bench` (dropped and recreated);
the 2,000 kiosks start online with their state rows as earlier heartbeats left them
(`bring_fleet_online`), so the heartbeats measured are steady-state ones.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

from benchmarks import bench_api_devices as fleet
from benchmarks._report import RESULTS, write
from yikatong.settings import get_settings

LUA = Path(__file__).with_name("lua") / "signed_heartbeat.lua"
SECRET = "ab" * 32  # every device seeded by bench_api_devices.seed_devices carries this secret
KIOSKS = 2_000
THREADS = 2
MAX_RATE = 8_000  # requests signed per second of a heartbeat block: more than the server can take
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}  # as wrk prints them


def heartbeat_body() -> bytes:
    from services.terminals.components import MONITORED

    parts = {code: {"status": "正常", "value": 1} for code in MONITORED}
    parts["ribbon"]["value"], parts["paper"]["value"] = 80, 90
    now = datetime.now(UTC).isoformat(timespec="seconds")
    body = {"software_version": "2.1.0", "device_time": now, "components": parts}
    return json.dumps(body, ensure_ascii=False).encode()


def sign_requests(path: Path, count: int) -> None:
    """`count` heartbeats, round-robin over the kiosks, each with its own nonce, signed now."""
    from services.terminals.signing import signature

    body, ts = heartbeat_body(), str(int(time.time()))
    with path.open("w") as out:
        out.write(body.decode() + "\n")
        for n in range(count):
            device_id = f"LS-{fleet.COUNTY}-{n % KIOSKS + 1:06d}"
            nonce = secrets.token_urlsafe(18)
            sig = signature(SECRET, "POST", "/api/v1/device/heartbeat", ts, nonce, body)
            out.write(f"{device_id} {ts} {nonce} {sig}\n")


def bring_fleet_online() -> None:
    """The benched kiosks as a running fleet leaves them: online, 正常, last heartbeat just now (the
    state rows their first heartbeats would have written). A measured heartbeat is then the
    steady-state one (nothing changed), as nearly every heartbeat of a real fleet is; the
    state-changing heartbeat is exercised by tests/services/test_monitoring_*.py. Without this the
    blocks mostly measured each kiosk's first heartbeat (a state change with history rows)."""
    from services.terminals.monitoring_models import DeviceState
    from yikatong import db

    now = datetime.now(UTC)
    rows = [
        {"device_id": f"LS-{fleet.COUNTY}-{n:06d}", "online": True, "running_state": "正常", "faults": [],
         "last_heartbeat_at": now, "online_changed_at": now, "running_changed_at": now}
        for n in range(1, KIOSKS + 1)
    ]  # fmt: skip
    with db.engine(fleet.DATABASE).begin() as conn:
        conn.execute(sa.delete(DeviceState).where(DeviceState.device_id.in_([r["device_id"] for r in rows])))
        conn.execute(sa.insert(DeviceState), rows)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return round(float(value) * UNITS[unit], 2)


def parse(output: str) -> dict:
    """wrk's report → req/s, p50/p99 (ms), socket errors, timeouts, non-2xx."""
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    connect, read, write_, timeout = (int(x) for x in sockets.groups()) if sockets else (0, 0, 0, 0)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": _ms(re.search(r"50%\s+(\S+)", output).group(1)),
        "p99_ms": _ms(re.search(r"99%\s+(\S+)", output).group(1)),
        "socket_errors": connect + read + write_,
        "timeouts": timeout,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def wrk(url: str, seconds: int, connections: int, options: tuple = (), script_args: tuple = ()) -> dict:
    cmd = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", *options, url]
    if script_args:
        cmd += ["--", *script_args]
    return parse(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def quiesce(base: str, limit_s: float = 120.0) -> float:
    """Wait until the server has drained the previous block (a database probe answers in < 0.5 s),
    so no block inherits another's backlog; returns the seconds waited."""
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.monotonic() - started < limit_s:
            probe = time.monotonic()
            try:
                if client.get("/api/v1/ready").status_code == 200 and time.monotonic() - probe < 0.5:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
    return round(time.monotonic() - started, 1)


def warm_workers(base: str, token: str) -> None:
    """Sequential requests of each kind, so both workers have imported, connected and prepared."""
    from services.terminals.signing import sign_headers

    body, auth = heartbeat_body(), {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        for n in range(40):
            client.get("/api/v1/_bench/ping")
            client.get("/api/v1/admin/devices?page=1&size=20", headers=auth)
            device_id = f"LS-{fleet.COUNTY}-{n + 1:06d}"
            headers = sign_headers(device_id, SECRET, "POST", "/api/v1/device/heartbeat", body)
            headers["Content-Type"] = "application/json"
            response = client.post("/api/v1/device/heartbeat", content=body, headers=headers)
            assert response.status_code == 200, response.text


def run_block(kind: str, base: str, seconds: int, connections: int, token: str, work: Path) -> dict:
    if kind == "baseline_ping":
        return wrk(f"{base}/api/v1/_bench/ping", seconds, connections)
    if kind == "county_list":
        auth = ["-H", f"Authorization: Bearer {token}"]
        return wrk(f"{base}/api/v1/admin/devices?page=1&size=20", seconds, connections, tuple(auth))
    requests = work / "heartbeats.txt"
    sign_requests(requests, MAX_RATE * seconds)
    url = f"{base}/api/v1/device/heartbeat"
    return wrk(url, seconds, connections, ("-s", str(LUA)), (str(requests), str(THREADS)))


def error_share(block: dict) -> float:
    """Responses that failed (socket errors, wrk timeouts, non-2xx) as a share of those sent."""
    failed = block["socket_errors"] + block["timeouts"] + block["non_2xx"]
    return round(min(1.0, failed / max(1, block["requests"] + block["socket_errors"])), 3)


def summarise(blocks: dict[str, list[dict]]) -> dict:
    """Medians per kind; the ratio of req/s to the baseline; the error share beyond the baseline's."""
    keys = ("rps", "p50_ms", "p99_ms", "socket_errors", "timeouts", "non_2xx")
    figures = {
        name: {f"{k}_median": statistics.median(b[k] for b in runs) for k in keys}
        | {"error_share_median": statistics.median(error_share(b) for b in runs), "blocks": runs}
        for name, runs in blocks.items()
    }
    base = figures["baseline_ping"]
    for name in ("signed_heartbeat", "county_list"):
        ratio = round(figures[name]["rps_median"] / base["rps_median"], 3) if base["rps_median"] else 0.0
        beyond = round(max(0.0, figures[name]["error_share_median"] - base["error_share_median"]), 3)
        figures[name] |= {
            "ratio_rps": ratio,
            "target_ratio": 0.3,
            "error_share_beyond_baseline": beyond,
            "meets_target": ratio >= 0.3 and beyond == 0,
        }
    return figures


def single_part(s: dict) -> str:
    c, b = s["county_list"], s["baseline_ping"]
    return (
        f"single client ({c['pairs']} interleaved blocks of {c['requests_per_block']}): device list "
        f"p50 {c['p50_ms_median']} / p99 {c['p99_ms_median']} ms (target ≤ 50: "
        f"{'met' if c['meets_target'] else 'NOT met'}) beside ping p50 {b['p50_ms_median']} / "
        f"p99 {b['p99_ms_median']} ms"
    )


def verdict(f: dict) -> str:
    return "met" if f["meets_target"] else "NOT met"


def readme_line(figures: dict, command: str, connections: int, seconds: int, rounds: int) -> None:
    b, h, c = figures["baseline_ping"], figures["signed_heartbeat"], figures["county_list"]

    def part(label: str, f: dict) -> str:
        failures = (
            f"{f['socket_errors_median']:g} socket errors, {f['timeouts_median']:g} timeouts, "
            f"{f['non_2xx_median']:g} non-2xx, {f['error_share_median']:.0%} of responses failed"
        )
        latency = f"p50 {f['p50_ms_median']} ms, p99 {f['p99_ms_median']} ms"
        return f"{label} {f['rps_median']:.0f} req/s ({latency}; {failures})"

    line = (
        f"| api_load | `.venv/bin/{command}` | wrk -t{THREADS} -c{connections} -d{seconds}s, {rounds} rounds "
        f"interleaved, medians: {part('bare ping', b)}; {part('signed heartbeat', h)} → ratio "
        f"{h['ratio_rps']}× (target ≥ 0.3: {verdict(h)}); "
        f"{part('市中区 device list (10k in county, audited)', c)} → "
        f"ratio {c['ratio_rps']}× (target ≥ 0.3: {verdict(c)}); "
        f"{single_part(figures['single_client'])}; 2 workers, "
        f"load average {os.getloadavg()[0]:.1f} on 2 cores ({time.strftime('%Y-%m-%d')}) |"
    )
    path = RESULTS / "README.md"
    lines = [x for x in path.read_text().splitlines() if not x.startswith("| api_load |")]
    path.write_text("\n".join([*lines, line]) + "\n")


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--duration", type=int, default=30, help="seconds per block")
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--connections", type=int, default=2000)
    args.add_argument("--warmup", type=int, default=15, help="seconds of warm-up per kind")
    args.add_argument(
        "--requests", type=int, default=1000, help="sequential requests per single-client block"
    )
    args.add_argument("--pairs", type=int, default=3, help="single-client blocks per kind")
    opts = args.parse_args()
    get_settings.cache_clear()
    fleet.prepare_database()
    keys = fleet.create_staff()
    fleet.seed_devices()
    bring_fleet_online()
    proc = fleet.start_server(port := fleet.free_port())
    base = f"http://127.0.0.1:{port}"
    kinds = ("baseline_ping", "signed_heartbeat", "county_list")
    blocks: dict[str, list[dict]] = {k: [] for k in kinds}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            headers = fleet.login(client, "bench_szq", keys)
            token = headers["Authorization"].split()[1]
            single = fleet.list_runs(client, headers, opts.requests, opts.pairs)
            print("single client:", single, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            warm_workers(base, token)
            for kind in kinds:  # warm-up: pools, the workers' device caches
                run_block(kind, base, opts.warmup, opts.connections, token, Path(tmp))
                quiesce(base)
            for round_no in range(opts.rounds):
                for kind in kinds:
                    block = run_block(kind, base, opts.duration, opts.connections, token, Path(tmp))
                    blocks[kind].append(block | {"drain_s": quiesce(base)})
                    print(round_no + 1, kind, blocks[kind][-1], flush=True)
    finally:
        fleet.stop_server(proc)
    figures = summarise(blocks) | {"single_client": single}
    command = " ".join(["python -m benchmarks.bench_api_load", *sys.argv[1:]]).strip()
    server = {
        "workers": get_settings().api_workers,
        "loop": "uvloop",
        "http": "httptools",
        "database": fleet.DATABASE,
    }
    load = {"tool": "wrk", "threads": THREADS, "connections": opts.connections, "duration_s": opts.duration,
            "rounds": opts.rounds, "kiosks": KIOSKS}  # fmt: skip
    print(write("api_load", command, figures, server=server, load=load))
    readme_line(figures, command, opts.connections, opts.duration, opts.rounds)
    print(
        json.dumps(
            {k: {m: v for m, v in f.items() if m != "blocks"} for k, f in figures.items()}, ensure_ascii=False
        )
    )


if __name__ == "__main__":
    main()
