"""用卡轨迹时间线：`bench` 规模（1,000 万条用卡事件、100 万人）下单客户端 p99 ≤ 100 ms。

    flock /work/bench.lock .venv/bin/python -m benchmarks.bench_timeline --requests 1000

World: a `bench` world is 1M residents and 10M card-use events over 90 days (simulators/scales.py).
This machine has no bench-scale ``silver.card_use_event`` (building one through the simulator and
Spark takes hours here), so the events are synthesised at that volume in the silver shape: 1M valid
ID numbers (GB 11643) turned into their real blind-index tokens, each person with a lognormal
activity weight (σ 1.1, as ``simulators/event_holders.py``), each event a scenario drawn from the
simulator's scenario table (``simulators/event_scenarios.SCENARIOS``: code, name, kind, channels),
a township of the person's county, a Beijing daytime minute and a result (3 % 失败). Every day is
loaded as its own batch by the real loader (``pipeline.load.replace_partition``), then the
timeline's indexes are built once (``pipeline.trajectory_load.ensure_indexes``): building them
after the bulk load is how a backfill would do it; the daily load keeps them current.
The world is built once in ``var/bench-timeline`` (its own embedded PostgreSQL, never the demo
data) and reused when the table already has the rows (``--rebuild`` forces it).

Server: ``ykt api serve`` (uvicorn, 2 workers, as ``make run``) on ``ops_bench_timeline``; one client
sends ``--requests`` sequential first-page requests (50 events) for persons drawn by activity
(busy people are asked for more often, as staff would), interleaved in 5 blocks with the bare
``/api/v1/_bench/ping`` of the same server (the baseline); then every page of the 20 busiest
people through the cursor (deep paging). p50/p99 for each and the p99 ratio to the ping.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BENCH_DB = "ops_bench_timeline"
PORT = 18097
PEOPLE, EVENTS, DAYS = 1_000_000, 10_000_000, 90
LAST_DAY = date(2026, 11, 27)
SEED = 7


def _environment() -> None:
    os.environ.setdefault("YKT_HOME", str(Path("var/bench-timeline").resolve()))
    os.environ["YKT_OPS_DATABASE"] = BENCH_DB
    os.environ.setdefault("YKT_PROFILE", "demo")


# ---------- the world


def people(rng):
    """1M persons: token, masks, county; and each one's activity weight."""
    import numpy as np
    import pyarrow as pa

    from yikatong import pii, regions
    from yikatong.ids import generate_ids

    counties = np.array([r.code for r in regions.by_level("county")])
    county = rng.choice(counties, PEOPLE)
    births = np.datetime64("1940-01-01") + rng.integers(0, 365 * 80, PEOPLE).astype("timedelta64[D]")
    numbers = generate_ids(rng, county, births, rng.integers(0, 2, PEOPLE).astype(bool))
    protector = pii.protector()
    table = pa.table({
        "id_token": protector.tokens(numbers.tolist(), "id_number"),
        "id_masked": pii.masks(numbers.tolist(), "id_number"),
        "name_masked": rng.choice(np.array(["王*", "李*", "张*", "刘*", "陈*", "欧阳**"]), PEOPLE),
        "sex": rng.choice(np.array(["男", "女"]), PEOPLE),
        "county_code": county,
    })  # fmt: skip
    return table, numbers, rng.lognormal(0.0, 1.1, PEOPLE)


def _scenes():
    import numpy as np

    from simulators.event_scenarios import SCENARIOS

    scenes = [s for s in SCENARIOS.values() if not s.scheduled]
    weights = np.array([sum(s.weights) for s in scenes])
    return scenes, weights / weights.sum()


def day_events(rng, persons, weights, day: date, n: int):
    """One day's events in the timeline's shape (see the module docstring)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from yikatong import regions

    scenes, scene_p = _scenes()
    who = rng.choice(len(weights), n, p=weights)
    scene = rng.choice(len(scenes), n, p=scene_p)
    county = persons["county_code"].to_numpy(zero_copy_only=False)[who]
    place = np.empty(n, dtype="U9")
    for code in np.unique(county):  # a township of the person's county
        towns = np.array([t.code for t in regions.townships(code)])
        at = county == code
        place[at] = towns[rng.integers(0, len(towns), at.sum())]
    start = np.datetime64(day.isoformat(), "m")  # 00:00 UTC = 08:00 Beijing; the day runs to 24:00 Beijing
    minute = start + rng.integers(0, 16 * 60, n).astype("timedelta64[m]")
    kind = np.array([s.kind for s in scenes])[scene]
    amount = np.where(kind == "非医保消费类", np.round(rng.gamma(2.0, 30.0, n), 2), np.nan)
    channel = np.array([s.channels[0][0] for s in scenes])[scene]
    ids = pc.binary_join_element_wise(
        pa.scalar(f"EV{day:%Y%m%d}"), pc.cast(pa.array(np.arange(n)), pa.string()), ""
    )
    return pa.table({
        "person_token": persons["id_token"].take(pa.array(who)),
        "occurred_at": pa.array(minute.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
        "event_id": ids,
        "trajectory_kind": kind,
        "scene_code": np.array([s.code for s in scenes])[scene],
        "scene_name": np.array([s.name for s in scenes])[scene],
        "channel": channel,
        "terminal_id": pa.nulls(n, pa.string()),
        "place_code": place,
        "county_code": county,
        "amount": pa.array(amount, from_pandas=True),
        "merchant_name": pa.nulls(n, pa.string()),
        "result": np.where(rng.random(n) < 0.03, "失败", "成功"),
        "card_no": pa.nulls(n, pa.string()),
        "_logical_date": pa.array([day] * n, pa.date32()),
    })  # fmt: skip


def build_world(rebuild: bool) -> dict:
    """The analytics tables of the bench world; reused when already complete."""
    import adbc_driver_postgresql.dbapi as adbc
    import numpy as np

    from pipeline import load, trajectory_load
    from yikatong import db

    db.ensure_databases(("analytics",))
    with adbc.connect(db.dsn("analytics")) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('public.raw_trajectory_event') is not null")
        if cur.fetchone()[0] and not rebuild:
            cur.execute("select count(*) from public.raw_trajectory_event")
            if cur.fetchone()[0] == EVENTS:
                return {"built": False, "seconds": 0.0}
        cur.execute("drop table if exists public.raw_trajectory_event")
        conn.commit()
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    persons, _, activity = people(rng)
    weights = activity / activity.sum()
    with adbc.connect(db.dsn("analytics")) as conn:
        load.replace_table(conn, "raw_person", persons)
        per_day = EVENTS // DAYS
        for i in range(DAYS):
            day = LAST_DAY - timedelta(days=DAYS - 1 - i)
            n = per_day + (EVENTS - per_day * DAYS if i == DAYS - 1 else 0)
            load.replace_partition(conn, trajectory_load.TABLE, day_events(rng, persons, weights, day, n),
                                   "_logical_date", day)  # fmt: skip
            print(f"  {day}: {n} events", flush=True)
        trajectory_load.ensure_indexes(conn)
    return {"built": True, "seconds": round(time.perf_counter() - started, 1)}


# ---------- the API


def _prepare_api() -> str:
    from datetime import timedelta as td

    from sqlalchemy.orm import Session

    from services import migrations
    from services.base.db import utcnow
    from services.base.models import StaffSession, StaffUser
    from services.base.permissions import Role
    from services.base.tokens import new_token
    from yikatong import db
    from yikatong.crypto import sm2_generate_keypair

    db.ensure_databases((BENCH_DB,))
    migrations.upgrade(BENCH_DB)
    with Session(db.engine(BENCH_DB)) as session:
        user = session.query(StaffUser).filter_by(username="bench.operator").one_or_none()
        if user is None:
            user = StaffUser(username="bench.operator", display_name="bench", role=Role.OPERATOR,
                             region_code="511100", password_hash="-",
                             sm2_public_key=sm2_generate_keypair().public_hex)  # fmt: skip
            session.add(user)
            session.flush()
        token, key = new_token()
        now = utcnow()
        session.add(
            StaffSession(token_hash=key, user_id=user.id, last_seen_at=now, expires_at=now + td(hours=8))
        )
        session.commit()
    return token


def _sample_people(requests: int) -> tuple[list[str], list[str]]:
    """Persons drawn by activity (from the events themselves), and the 20 busiest."""
    from yikatong import db

    with db.engine("analytics").connect() as conn:
        drawn = conn.exec_driver_sql(
            f"select person_token from public.raw_trajectory_event tablesample system (0.1) "
            f"order by random() limit {requests}"
        ).scalars().all()  # fmt: skip
        busiest = conn.exec_driver_sql(
            "select person_token from public.raw_trajectory_event group by 1 order by count(*) desc limit 20"
        ).scalars().all()  # fmt: skip
    return list(drawn), list(busiest)


def query_plan(person: str) -> list[str]:
    """EXPLAIN ANALYZE of the API's own page SQL (second page, through the cursor) for ``person``."""
    import sqlalchemy as sa

    from services.trajectories import store
    from yikatong import db

    query = store.page_query(kind=False, since=False, until=False, after=True)
    with db.engine("analytics").connect() as conn:
        newest = conn.exec_driver_sql(
            f"select occurred_at, event_id from public.raw_trajectory_event where person_token = '{person}' "
            "order by occurred_at desc, event_id desc offset 50 limit 1"
        ).one()  # fmt: skip
        params = {"token": person, "limit": 51, "at": newest[0], "event_id": newest[1]}
        return conn.execute(sa.text(f"explain (analyze, buffers) {query.text}"), params).scalars().all()


def _timed(client, path: str, headers: dict, params: dict | None = None) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(path, headers=headers, params=params or {})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return elapsed, response.json()


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _stats(samples: list[float]) -> dict:
    return {"p50_ms": _pct(samples, 0.5), "p99_ms": _pct(samples, 0.99),
            "mean_ms": round(statistics.mean(samples), 2), "requests": len(samples)}  # fmt: skip


def timeline_bench(requests: int) -> dict:
    import httpx

    token = _prepare_api()
    drawn, busiest = _sample_people(requests)
    ykt = str(Path(sys.executable).with_name("ykt"))
    server = subprocess.Popen([ykt, "api", "serve", "--port", str(PORT)], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            for _ in range(240):
                try:
                    if client.get("/api/v1/_bench/ping").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            for person in drawn[:50]:  # warm-up
                _timed(client, f"/api/v1/admin/trajectories/{person}", headers, {"size": 50})
            first, ping, block = [], [], max(len(drawn) // 5, 1)
            for b in range(5):  # A B A B … in blocks
                for person in drawn[b * block : (b + 1) * block]:
                    first.append(
                        _timed(client, f"/api/v1/admin/trajectories/{person}", headers, {"size": 50})[0]
                    )
                ping += [_timed(client, "/api/v1/_bench/ping", {})[0] for _ in range(block)]
            deep, events = [], []
            for person in busiest:
                cursor, seen = None, 0
                while True:
                    params = {"size": 50} | ({"cursor": cursor} if cursor else {})
                    ms, body = _timed(client, f"/api/v1/admin/trajectories/{person}", headers, params)
                    deep.append(ms)
                    seen += len(body["items"])
                    if not (cursor := body["next_cursor"]):
                        break
                events.append(seen)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    figures = {"first_page": _stats(first), "ping": _stats(ping), "deep_pages": _stats(deep),
               "busiest_events": {"min": min(events), "max": max(events)},
               "plan_busiest_second_page": query_plan(busiest[0])}  # fmt: skip
    figures["ratio_p99_first_page_to_ping"] = round(
        figures["first_page"]["p99_ms"] / figures["ping"]["p99_ms"], 2
    )
    figures["target_p99_ms"] = 100.0
    figures["meets_target"] = max(figures["first_page"]["p99_ms"], figures["deep_pages"]["p99_ms"]) <= 100.0
    return figures


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--requests", type=int, default=1000)
    args.add_argument("--rebuild", action="store_true", help="regenerate the bench world")
    opts = args.parse_args()
    _environment()
    from benchmarks._report import readme_line, write

    world = build_world(opts.rebuild)
    figures = timeline_bench(opts.requests)
    command = " ".join(["python -m benchmarks.bench_timeline", *sys.argv[1:]])
    print(
        write("timeline", command, figures, world={"people": PEOPLE, "events": EVENTS, "days": DAYS, **world})
    )
    f = figures
    readme_line(
        "timeline",
        command,
        f"10M events: first page p99 {f['first_page']['p99_ms']} ms, "
        f"deep pages p99 {f['deep_pages']['p99_ms']} ms "
        f"(ping p99 {f['ping']['p99_ms']} ms, ×{f['ratio_p99_first_page_to_ping']}); target ≤ 100 ms",
    )


if __name__ == "__main__":
    main()
