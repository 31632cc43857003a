"""Card subsystem figures (seed 2.4/2.5), against `ykt api serve` as `make run` starts it (2 workers).

    .venv/bin/python -m benchmarks.bench_cards [--issuances 500000] [--requests 50] [--pairs 3]

- **Statistics**: `GET /api/v1/admin/stats/cards` for the whole city (by county, one year, over
  `--issuances` issuance rows, a fifth as many blank-card uses, 2,400 devices) and by device, and
  `GET /api/v1/admin/issuances` page 1; p50/p99 of `--requests` sequential requests per block,
  interleaved A B with the bare baseline `GET /api/v1/_bench/ping`. The city's own bound for
  complex statistics is 10 s; ours is p99 ≤ 1 s. By county, the whole days come from
  `card_stats_daily` (kept by insert triggers, so the seeding below fills it too) and the partial
  first and last day from the event rows; by device, everything from the event rows.
- **Signed blank-card uses under concurrency**: 2,000 signed `POST /api/v1/device/blank-cards/usage`
  from 100 kiosks with 50 requests in flight for 1,500 cards: throughput beside the same number
  of pings at the same concurrency, and whether the ledger is exact afterwards (1,500 used,
  500 refused, no kiosk below zero).

Uses its own database `ops_bench_cards` (dropped and recreated).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from benchmarks import bench_api_devices as api
from benchmarks._report import readme_line, write
from yikatong.settings import get_settings

DATABASE = "ops_bench_cards"
SECRET = "ab" * 32
SEED_SQL = """
with d as (select device_id, outlet_code, region_code, row_number() over (order by device_id) - 1 as rn
           from terminal_device),
     n as (select count(*) as c from terminal_device)
insert into {table} ({columns})
select {values} from generate_series(1, :rows) g, n join d on true where d.rn = g % n.c
"""
ISSUANCE = (
    "device_id, event_id, outlet_code, region_code, issue_type, card_no, holder_id_token, holder_id_cipher,"
    " holder_id_masked, holder_name_cipher, holder_name_masked, issued_at, received_at",
    "d.device_id, 'e' || g, d.outlet_code, d.region_code, (array['领卡','补卡','换卡'])[1 + g % 3],"
    " 'B' || lpad(g::text, 8, '0'), md5(g::text) || md5(g::text), 'x', '511102********1234', 'x', '张*',"
    " now() - (g % 365) * interval '1 day' - (g % 86400) * interval '1 second', now()",
)
USAGE = (
    "device_id, event_id, outlet_code, region_code, usage, quantity, reason, occurred_at, received_at",
    "d.device_id, 'u' || g, d.outlet_code, d.region_code, (array['制卡','废卡'])[1 + g % 2], 1, '压测',"
    " now() - (g % 365) * interval '1 day', now()",
)


LEDGER_SQL = (
    "select sum(used_total), count(*) filter (where used_total > added_total)"
    " from card_blank_stock where device_id = any(:i)"
)


def seed(issuances: int) -> None:
    from yikatong import db

    with db.engine(DATABASE).begin() as conn:
        for table, (columns, values), rows in (
            ("card_issuance", ISSUANCE, issuances),
            ("card_blank_usage", USAGE, issuances // 5),
        ):
            sql = SEED_SQL.format(table=table, columns=columns, values=values)
            conn.execute(sa.text(sql), {"rows": rows})
        conn.execute(
            sa.text("insert into card_blank_stock select device_id, 1000, 400, now() from terminal_device")
        )
        conn.execute(sa.text("analyze"))


def reseal_credentials() -> None:
    """Every bench kiosk signs with SECRET (sealed per device ID, as registration does)."""
    from services.terminals import credentials
    from yikatong import db

    with db.engine(DATABASE).begin() as conn:
        ids = [r[0] for r in conn.execute(sa.text("select device_id from terminal_device"))]
        conn.execute(
            sa.text("update terminal_device set credential = :c where device_id = :d"),
            [{"c": credentials.seal(SECRET, d), "d": d} for d in ids],
        )


def city_admin() -> tuple[str, dict]:
    from services.base.models import StaffUser
    from services.base.passwords import hash_password
    from yikatong import db
    from yikatong.crypto import sm2_generate_keypair

    pair = sm2_generate_keypair()
    with db.sessionmaker_for(DATABASE)() as session:
        user = {
            "username": "bench_city",
            "display_name": "bench",
            "role": "region_admin",
            "region_code": "511100",
        }
        session.add(
            StaffUser(**user, password_hash=hash_password(api.PASSWORD), sm2_public_key=pair.public_hex)
        )
        session.commit()
    return "bench_city", {"bench_city": (pair.private_hex, pair.public_hex)}


def query_runs(client: httpx.Client, headers: dict, requests: int, pairs: int) -> dict:
    year = "from=" + datetime.now(UTC).replace(year=datetime.now(UTC).year - 1).strftime("%Y-%m-%dT%H:%M:%SZ")
    paths = {
        "baseline_ping": ("/api/v1/_bench/ping", {}),
        "stats_cards_city": (f"/api/v1/admin/stats/cards?by=region&{year}", headers),
        "stats_cards_by_device": (f"/api/v1/admin/stats/cards?by=device&{year}", headers),
        "issuances_page": ("/api/v1/admin/issuances?page=1&size=20", headers),
    }
    for path, h in paths.values():
        api.latencies(client, path, h, 5)
    blocks: dict[str, list[dict]] = {name: [] for name in paths}
    for _ in range(pairs):
        for name, (path, h) in paths.items():
            samples = api.latencies(client, path, h, requests)
            blocks[name].append(
                {"p50_ms": api.percentile(samples, 0.5), "p99_ms": api.percentile(samples, 0.99)}
            )
    figures = {
        name: {f"{k}_median": round(statistics.median(b[k] for b in runs), 1) for k in ("p50_ms", "p99_ms")}
        for name, runs in blocks.items()
    }
    ping = figures["baseline_ping"]["p50_ms_median"]
    for name in paths:
        figures[name]["ratio_p50"] = round(figures[name]["p50_ms_median"] / ping, 1)
    figures["requests_per_block"], figures["pairs"] = requests, pairs
    return figures


async def _fire(base: str, jobs: list, in_flight: int) -> tuple[float, list[int]]:
    limit = asyncio.Semaphore(in_flight)
    # expire idle connections before uvicorn's 5 s keep-alive closes them under our feet
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(job) -> int:
            async with limit:
                try:
                    return (await client.request(**job())).status_code
                except httpx.TransportError:
                    return 0  # counted under "other"

        started = time.perf_counter()
        statuses = await asyncio.gather(*(one(j) for j in jobs))
    return time.perf_counter() - started, list(statuses)


def _use(device_id: str):
    from services.terminals.signing import sign_headers

    def job() -> dict:
        path = "/api/v1/device/blank-cards/usage"
        body = {"event_id": uuid.uuid4().hex, "usage": "废卡", "quantity": 1, "reason": "压测",
                "occurred_at": datetime.now(UTC).isoformat()}  # fmt: skip
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = sign_headers(device_id, SECRET, "POST", path, data) | {"Content-Type": "application/json"}
        return {"method": "POST", "url": path, "content": data, "headers": headers}

    return job


def concurrency_run(base: str, requests: int = 2000, kiosks: int = 100, in_flight: int = 50) -> dict:
    from yikatong import db

    with db.engine(DATABASE).begin() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                sa.text("select device_id from terminal_device order by 1 limit :n"), {"n": kiosks}
            )
        ]
        conn.execute(
            sa.text("update card_blank_stock set added_total = 15, used_total = 0 where device_id = any(:i)"),
            {"i": ids},
        )
    ping = [lambda: {"method": "GET", "url": "/api/v1/_bench/ping"}] * requests
    uses = [_use(ids[i % kiosks]) for i in range(requests)]
    ping_s, _ = asyncio.run(_fire(base, ping, in_flight))
    use_s, statuses = asyncio.run(_fire(base, uses, in_flight))
    with db.engine(DATABASE).connect() as conn:
        used, negative = conn.execute(sa.text(LEDGER_SQL), {"i": ids}).one()
    return {
        "requests": requests,
        "in_flight": in_flight,
        "baseline_ping_rps": round(requests / ping_s, 1),
        "signed_use_rps": round(requests / use_s, 1),
        "ratio": round(ping_s / use_s, 3),
        "accepted": statuses.count(200),
        "refused_409": statuses.count(409),
        "other": len(statuses) - statuses.count(200) - statuses.count(409),
        "ledger_used": int(used),
        "kiosks_below_zero": int(negative),
        "exact": int(used) == kiosks * 15 == statuses.count(200) and negative == 0,
    }


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--issuances", type=int, default=500_000)
    args.add_argument("--requests", type=int, default=50)
    args.add_argument("--pairs", type=int, default=3)
    opts = args.parse_args()
    os.environ["YKT_OPS_DATABASE"] = api.DATABASE = DATABASE  # reuse its server, seeding and login helpers
    get_settings.cache_clear()
    api.prepare_database()
    api.seed_devices(in_county=400, elsewhere=2000)
    seed(opts.issuances)
    reseal_credentials()
    username, keys = city_admin()
    proc = api.start_server(port := api.free_port())
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            queries = query_runs(client, api.login(client, username, keys), opts.requests, opts.pairs)
        print("queries:", queries, flush=True)
        concurrency = concurrency_run(base)
        print("concurrency:", concurrency, flush=True)
    finally:
        api.stop_server(proc)
    figures = {"queries": queries, "signed_uses": concurrency, "issuance_rows": opts.issuances}
    command = " ".join(["python -m benchmarks.bench_cards", *sys.argv[1:]]).strip()
    print(
        write("cards", command, figures, server={"workers": get_settings().api_workers, "database": DATABASE})
    )
    readme_line("cards", f".venv/bin/{command}", headline(figures))


def headline(figures: dict) -> str:
    q, c, n = figures["queries"], figures["signed_uses"], figures["issuance_rows"]
    city, device, page = q["stats_cards_city"], q["stats_cards_by_device"], q["issuances_page"]
    return " ".join(
        [
            f"city card statistics over {n:,} issuances + {n // 5:,} uses, one year by county:",
            f"p50 {city['p50_ms_median']} / p99 {city['p99_ms_median']} ms;",
            f"by device p99 {device['p99_ms_median']} ms; issuance page p99 {page['p99_ms_median']} ms;",
            f"bare ping p50 {q['baseline_ping']['p50_ms_median']} ms",
            f"(median of {q['pairs']} interleaved blocks of {q['requests_per_block']});",
            f"{c['requests']} signed blank-card uses, {c['in_flight']} in flight:",
            f"{c['signed_use_rps']} req/s vs ping {c['baseline_ping_rps']} req/s (ratio {c['ratio']}),",
            f"ledger exact: {c['exact']}; load average {os.getloadavg()[0]:.1f} on 2 cores",
            f"({time.strftime('%Y-%m-%d')})",
        ]
    )


if __name__ == "__main__":
    main()
