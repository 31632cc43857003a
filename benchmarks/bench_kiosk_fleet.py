"""Kiosk fleet history backfill: device calls per second through the real app, beside a baseline of
the same number of bare signed heartbeats from the same kiosks (interleaved, warm-up first, medians).

    YKT_HOME=var/bench .venv/bin/python -m benchmarks.bench_kiosk_fleet --devices 4 --days 1 --runs 3

The app runs in-process (httpx ASGI transport) on its own database `ops_fleetbench`; every run
registers a fresh fleet (new seed) so card numbers never collide. The pure model's speed
(simulated device-days per second, no HTTP) is reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from benchmarks._report import readme_line, summary, write
from services import migrations
from services.app import create_app
from services.base import db as base_db
from services.base.db import utcnow
from services.base.models import StaffSession, StaffUser
from services.base.passwords import hash_password
from services.base.permissions import Role
from services.base.tokens import new_token
from simulators.kiosk_api import CredentialStore, FleetApi
from simulators.kiosk_fleet import Fleet, FleetOptions, build_kiosks
from yikatong import db
from yikatong.crypto import sm2_generate_keypair
from yikatong.settings import get_settings

DATABASE = "ops_fleetbench"


def fresh_database() -> dict[str, str]:
    get_settings().ops_database = DATABASE
    base_db.forget_engines()
    db.ensure_databases(("postgres",))
    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{DATABASE}" with (force)'))
    admin.dispose()
    migrations.upgrade(DATABASE)
    with Session(db.engine(DATABASE)) as session:
        user = StaffUser(
            username="bench_fleet",
            display_name="基准",
            role=Role.SYSTEM_ADMIN,
            region_code="511100",
            password_hash=hash_password("Ykt-Bench-2026!"),
            sm2_public_key=sm2_generate_keypair().public_hex,
        )
        session.add(user)
        session.flush()
        token, key = new_token()
        now = utcnow()
        session.add(
            StaffSession(
                token_hash=key, user_id=user.id, last_seen_at=now, expires_at=now + timedelta(hours=8)
            )
        )
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def model_speed(devices: int, days: int) -> float:
    """Simulated device-days per second of the pure model."""
    kiosks = build_kiosks(FleetOptions(devices=devices, seed=1))
    start = datetime(2026, 9, 1, tzinfo=UTC)
    began = time.perf_counter()
    for hour in range(days * 24):
        for k in kiosks:
            k.blank_remaining = 500
            k.step(start + timedelta(hours=hour + 1), 1.0)
    return devices * days / (time.perf_counter() - began)


async def main_async(opts: argparse.Namespace) -> dict:
    headers = fresh_database()
    transport = httpx.ASGITransport(app=create_app())
    seeds = iter(range(1, 900))
    store = CredentialStore(Path(tempfile.mkdtemp()) / "credentials.json")
    calls: dict[str, int] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as http:

        async def fleet() -> Fleet:
            """The same kiosks each run (registered once), with card serials no earlier run used."""
            seed = next(seeds)
            options = FleetOptions(devices=opts.devices, seed=seed)
            kiosks = build_kiosks(options)
            for k in kiosks:
                k.serial = seed * 10_000
            f = Fleet(FleetApi(http, headers, store), kiosks, options)
            await f.register()
            return f

        async def backfill() -> float:
            f = await fleet()
            began = time.perf_counter()
            await f.history(opts.days)
            seconds = time.perf_counter() - began
            calls["backfill"] = sum(f.api.tally.ok.values())
            return calls["backfill"] / seconds

        async def heartbeats() -> float:
            f = await fleet()
            n, now = calls.get("backfill", 200), datetime.now(UTC)
            began = time.perf_counter()
            for i in range(n):
                kiosk = f.kiosks[i % len(f.kiosks)]
                await f.api.send(kiosk, kiosk.heartbeat(now))
            return n / (time.perf_counter() - began)

        rates: dict[str, list[float]] = {"backfill": [], "heartbeat_baseline": []}
        for i in range(opts.runs + 1):  # warm-up, then A B A B …
            for name, work in (("backfill", backfill), ("heartbeat_baseline", heartbeats)):
                rate = await work()
                print(f"  {name} #{i}: {rate:.1f} calls/s", flush=True)
                if i:
                    rates[name].append(rate)
    figures = {name: summary(samples, "_calls_per_s", 1) for name, samples in rates.items()}
    ratio = figures["backfill"]["median_calls_per_s"] / figures["heartbeat_baseline"]["median_calls_per_s"]
    figures["ratio_backfill_to_heartbeat"] = round(ratio, 2)
    figures["calls_per_backfill"] = calls["backfill"]
    figures["model_device_days_per_s"] = round(model_speed(opts.devices * 5, 10), 1)
    return figures


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--devices", type=int, default=4)
    args.add_argument("--days", type=int, default=1)
    args.add_argument("--runs", type=int, default=3)
    opts = args.parse_args()
    figures = asyncio.run(main_async(opts))
    command = " ".join(["python -m benchmarks.bench_kiosk_fleet", *sys.argv[1:]])
    print(write("kiosk_fleet", command, figures))
    readme_line(
        "kiosk_fleet",
        command,
        f"backfill {figures['backfill']['median_calls_per_s']} calls/s, "
        f"{figures['ratio_backfill_to_heartbeat']}× the signed heartbeat; model "
        f"{figures['model_device_days_per_s']} device-days/s",
    )


if __name__ == "__main__":
    main()
