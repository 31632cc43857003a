"""Benchmark: the gold layer (``spark_jobs.gold``: aggregation + portraits) beside a DuckDB baseline.

    flock /work/bench.lock .venv/bin/python -m benchmarks.bench_gold --events 10000000

Issue 7's ``bench`` figure: 10M events (1M residents, 90 days, ``simulators/scales.py``),
aggregation and portraits ≤ 8 min together. Set-up, not timed: a lake of its own holding
silver-shaped tables, synthesised with numpy/Arrow (no per-event Python): ``--people`` holders
with 64-hex tokens (the HMAC-SM3 blind index's shape) and a log-normal activity weight; each event
a scenario of the simulator's table (``simulators/event_scenarios.SCENARIOS``: kind, channels,
amounts, failure rates), a township of the holder's county mostly (本地用卡), a Beijing daytime
minute, partitioned by event date with the day as its batch; and ``person``, ``card`` (a current
card and some replaced ones), ``card_application`` (some made and not collected),
``insurance_enrolment`` and ``benefit_payment`` (monthly pensions) for those people. Timed,
alternating (A B A B … after a warm-up unless ``--no-warmup``):

- ours: ``spark_jobs.gold.build(ds, spark)`` in a started Spark session (start-up reported apart):
  both gold tables written to Delta;
- baseline: DuckDB over the same silver parquet doing the same aggregation (per token, month,
  kind and place: counts, amount, first/last), written to parquet. Its row count must equal ours.

Results: ``benchmarks/results/gold.json`` and a line in ``benchmarks/results/README.md``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks._report import clocked, interleaved, readme_line, write
from simulators.scales import ANCHOR, SCALES

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

TARGET_S = 480.0
DS = ANCHOR
DAYS = SCALES["bench"].event_days
BASELINE_SQL = """
copy (
  select id_token, strftime(event_date, '%Y-%m') as month, trajectory_kind, county_code, place_code,
         count(*) as events, count(*) filter (where result = '成功') as successful_events,
         sum(coalesce(cast(amount as decimal(18, 2)), 0)) as amount_total,
         min(event_time) as first_event_at, max(event_time) as last_event_at
  from read_parquet($events, hive_partitioning = true)
  where _logical_date <= $ds
  group by all
) to '{out}' (format parquet)
"""


# ---------- the silver world (synthesised, vectorised)


def _dates(days: np.ndarray, unit: str = "D") -> np.ndarray:
    """Day offsets before DS (0 = DS) as numpy datetimes."""
    import numpy as np

    return (np.datetime64(DS.isoformat(), "D") - days.astype("timedelta64[D]")).astype(f"datetime64[{unit}]")


def people(rng: np.random.Generator, n: int) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """``silver.person`` for ``n`` residents; each one's home township index and activity weight."""
    import hashlib

    import numpy as np
    import pyarrow as pa

    from yikatong import regions

    towns = regions.townships()
    home = rng.integers(0, len(towns), n)
    county = np.array([t.parent for t in towns])[home]
    tokens = [hashlib.sha256(i.to_bytes(8, "big")).hexdigest() for i in range(n)]
    table = pa.table({
        "id_token": tokens, "id_masked": np.char.add(county, "********0000"),
        "name_masked": rng.choice(np.array(["王*", "李*", "张*", "刘*", "陈*", "欧阳**"]), n),
        "sex": rng.choice(np.array(["1", "2"]), n),
        "birth_date": pa.array(_dates(rng.integers(0, 90 * 365, n)), pa.date32()), "county_code": county,
    })  # fmt: skip
    return table, home, rng.lognormal(0.0, 1.1, n)


def _scenario_table() -> dict[str, np.ndarray]:
    """The simulator's random-use scenarios as arrays (channel choice as cumulative weights)."""
    import numpy as np

    from simulators.event_scenarios import FAILURE_RATE, SCENARIOS

    scenes = [s for s in SCENARIOS.values() if not s.scheduled]
    width = max(len(s.channels) for s in scenes)
    channels = list(FAILURE_RATE)
    cum = np.ones((len(scenes), width))
    codes = np.zeros((len(scenes), width), dtype=np.int64)
    for i, s in enumerate(scenes):
        w = np.array([weight for _, weight in s.channels])
        cum[i, : len(w)] = np.cumsum(w) / w.sum()
        codes[i, : len(w)] = [channels.index(code) for code, _ in s.channels]
    amounts = np.array([(s.amount.median, s.amount.sigma) if s.amount else (np.nan, 0.0) for s in scenes])
    return {
        "p": (p := np.array([sum(s.weights) for s in scenes])) / p.sum(), "cum": cum, "codes": codes,
        "code": np.array([s.code for s in scenes]), "name": np.array([s.name for s in scenes]),
        "kind": np.array([s.kind for s in scenes]), "median": amounts[:, 0], "sigma": amounts[:, 1],
        "channels": np.array(channels), "failure": np.array([FAILURE_RATE[c] for c in channels]),
    }  # fmt: skip


def _places(rng: np.random.Generator, home: np.ndarray) -> np.ndarray:
    """Township per event: 70 % the holder's own, 25 % another of the same county, 5 % anywhere."""
    import numpy as np

    from yikatong import regions

    towns = regions.townships()
    parents = np.array([t.parent for t in towns])
    first = {c: int(np.argmax(parents == c)) for c in np.unique(parents)}
    start = np.array([first[p] for p in parents])[home]
    size = np.array([int((parents == p).sum()) for p in parents])[home]
    same_county = start + (rng.random(len(home)) * size).astype(np.int64)
    u = rng.random(len(home))
    return np.where(u < 0.70, home, np.where(u < 0.95, same_county, rng.integers(0, len(towns), len(home))))


def _take(values, at: np.ndarray) -> pa.Array:
    """``values[at]`` as an Arrow array (a gather in C, no per-row Python or numpy strings)."""
    import pyarrow as pa

    return pa.array(values).take(pa.array(at))


def card_use_events(rng: np.random.Generator, persons: pa.Table, home, weight, n: int) -> pa.Table:
    """``silver.card_use_event``: ``n`` events over DAYS days (see the module docstring)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from yikatong import regions

    sc = _scenario_table()
    who = pa.array(rng.choice(len(weight), n, p=weight / weight.sum()))
    scene = rng.choice(len(sc["code"]), n, p=sc["p"])
    channel = sc["codes"][scene, (rng.random(n)[:, None] > sc["cum"][scene]).sum(axis=1)]
    town = _places(rng, home[who.to_numpy()])
    towns = regions.townships()
    day = rng.integers(0, DAYS, n)
    # 08:00–23:59 Beijing is 00:00–15:59 UTC: the UTC date is the Beijing business date
    when = _dates(day, "us") + (rng.integers(0, 16 * 3600, n) * 1_000_000).astype("timedelta64[us]")
    amount = np.round(np.exp(np.log(sc["median"][scene]) + sc["sigma"][scene] * rng.standard_normal(n)), 2)
    event_date = pa.array(_dates(day), pa.date32())
    return pa.table({
        "event_id": pc.binary_join_element_wise("EV", pc.cast(pa.array(np.arange(n)), pa.string()), ""),
        "card_no": pa.nulls(n, pa.string()), "id_token": persons["id_token"].take(who),
        "id_masked": persons["id_masked"].take(who), "event_time": pa.array(when, pa.timestamp("us", "UTC")),
        "event_date": event_date, "channel": _take(sc["channels"], channel),
        "terminal_id": pa.nulls(n, pa.string()), "place_code": _take([t.code for t in towns], town),
        "county_code": _take([t.parent for t in towns], town), "scene_code": _take(sc["code"], scene),
        "scene_name": _take(sc["name"], scene), "trajectory_kind": _take(sc["kind"], scene),
        "amount": pa.array(amount, from_pandas=True), "merchant_name": pa.nulls(n, pa.string()),
        "result": _take(["成功", "失败"], (rng.random(n) < sc["failure"][channel]).astype(np.int8)),
        "_logical_date": event_date,
    })  # fmt: skip


def cards(rng: np.random.Generator, tokens: pa.Array) -> pa.Table:
    """``silver.card``: a current card per person (some 挂失/注销), a replaced one for 10 %."""
    import numpy as np
    import pyarrow as pa

    n = len(tokens)
    old = np.flatnonzero(rng.random(n) < 0.10)
    status = rng.choice(np.array(["正常", "挂失", "注销"]), n, p=[0.94, 0.03, 0.03])
    expires = _dates(-rng.integers(-30, 3650, n))
    return pa.table({
        "id_token": pa.concat_arrays([tokens, tokens.take(old)]),
        "is_current": np.concatenate([np.ones(n, bool), np.zeros(len(old), bool)]),
        "status": np.concatenate([status, np.full(len(old), "正常")]),
        "expires_on": pa.array(np.concatenate([expires, expires[old] - 3650]), pa.date32()),
    })  # fmt: skip


def card_applications(rng: np.random.Generator, tokens: pa.Array) -> pa.Table:
    """``silver.card_application``: one per person, made in the last year; 3 % not picked up."""
    import numpy as np
    import pyarrow as pa

    n = len(tokens)
    made = _dates(rng.integers(0, 365, n), "us")
    picked = np.where(rng.random(n) < 0.97, made + np.timedelta64(5 * 86400, "s"), np.datetime64("NaT"))
    return pa.table({
        "application_id": np.char.add("SQ", np.arange(n).astype(str)), "id_token": tokens,
        "province_made_at": pa.array(made, pa.timestamp("us", "UTC")),
        "picked_up_at": pa.array(picked.astype("datetime64[us]"), pa.timestamp("us", "UTC")),
    })  # fmt: skip


def enrolments(rng: np.random.Generator, tokens: pa.Array) -> pa.Table:
    """``silver.insurance_enrolment``: a pension and a medical scheme for most, extras for some."""
    import numpy as np
    import pyarrow as pa

    n = len(tokens)
    pension = rng.choice(np.array(["110", "120", "170"]), n, p=[0.45, 0.1, 0.45])
    medical = rng.choice(np.array(["310", "390"]), n)
    extra = np.flatnonzero(rng.random(n) < 0.4)
    who = np.concatenate([np.arange(n), np.arange(n), extra])
    kind = np.concatenate([pension, medical, rng.choice(np.array(["410", "210", "510"]), len(extra))])
    return pa.table({
        "enrolment_id": np.char.add("CB", np.arange(len(who)).astype(str)), "id_token": tokens.take(who),
        "insurance_type": kind, "changed_at": pa.array(_dates(rng.integers(30, 3000, len(who)), "us")),
        "_logical_date": pa.array(np.full(len(who), DS), pa.date32()),
    })  # fmt: skip


def payments(rng: np.random.Generator, tokens: pa.Array) -> pa.Table:
    """``silver.benefit_payment``: three monthly pensions for 25 %, one other benefit for 3 %."""
    import numpy as np
    import pyarrow as pa

    n = len(tokens)
    pensioners = np.flatnonzero(rng.random(n) < 0.25)
    others = np.flatnonzero(rng.random(n) < 0.03)
    who = np.concatenate([np.repeat(pensioners, 3), others])
    pension = rng.choice(np.array(["110", "120", "170"]), len(pensioners))
    kind = np.concatenate([np.repeat(pension, 3), rng.choice(np.array(["410", "210"]), len(others))])
    benefit = np.where(
        np.isin(kind, ["110", "120", "170"]), "基本养老金", np.where(kind == "410", "工伤待遇", "失业保险金")
    )
    return pa.table({
        "payment_id": np.char.add("FF", np.arange(len(who)).astype(str)), "id_token": tokens.take(who),
        "insurance_type": kind, "benefit_type": benefit,
        "handled_at": pa.array(_dates(rng.integers(0, 90, len(who)), "us")),
        "_logical_date": pa.array(np.full(len(who), DS), pa.date32()),
    })  # fmt: skip


def silver_tables(events: int, persons: int, seed: int = 7) -> dict[str, pa.Table]:
    """Every silver table the gold layer reads, for ``persons`` holders and ``events`` events."""
    import numpy as np

    rng = np.random.default_rng(seed)
    person, home, weight = people(rng, persons)
    tokens = person["id_token"].combine_chunks()
    return {
        "person": person, "card": cards(rng, tokens), "card_application": card_applications(rng, tokens),
        "insurance_enrolment": enrolments(rng, tokens), "benefit_payment": payments(rng, tokens),
        "card_use_event": card_use_events(rng, person, home, weight, events),
    }  # fmt: skip


PARTITIONS = {"card_use_event": ["event_date"], "insurance_enrolment": ["_logical_date"],
              "benefit_payment": ["_logical_date"]}  # fmt: skip


def land(tables: dict[str, pa.Table]) -> None:
    """Write the tables as the silver layer (partitioned as the pipeline partitions them)."""
    from yikatong import lake

    for name, table in tables.items():
        lake.overwrite(lake.table_uri(f"silver.{name}"), table, partition_by=PARTITIONS.get(name, []))


# ---------- the runs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--people", type=int, default=0, help="默认 events/10")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-warmup", action="store_true")
    p.add_argument("--home", type=Path, help="保留并复用的目录（已有同样规模的 silver 时不再生成）")
    args = p.parse_args()
    people_n = args.people or max(args.events // 10, 1000)
    with tempfile.TemporaryDirectory(prefix="ykt-bench-gold-") as scratch:
        home = (args.home or Path(scratch)).resolve()
        os.environ["YKT_HOME"] = str(home)
        os.environ.pop("YKT_LAKE_URI", None)
        figures = run(args.events, people_n, args.runs, not args.no_warmup, home)
    command = f"python -m benchmarks.bench_gold --events {args.events} --runs {args.runs}" + (
        " --no-warmup" if args.no_warmup else ""
    )
    write("gold", command, figures, events=args.events, people=people_n, target_s=TARGET_S)
    ours, base = figures["gold"]["median_s"], figures["duckdb_aggregation"]["median_s"]
    readme_line("gold", command, f"{args.events:,} events: gold {ours} s vs DuckDB aggregation {base} s "
                f"(×{figures['ratio']}); target ≤ {TARGET_S:.0f} s")  # fmt: skip
    print(figures)


def run(events: int, people_n: int, runs: int, warmup: bool, home: Path) -> dict:
    import duckdb

    from spark_jobs import gold
    from yikatong import lake

    started = time.perf_counter()
    if not _landed(events, people_n):
        land(silver_tables(events, people_n))
    setup_s = time.perf_counter() - started
    spark_s, spark = clocked(lambda: lake.spark_session("ykt-bench-gold"))
    uris = [u.removeprefix("file://") for u in _files(lake.table_uri("silver.card_use_event"))]
    out = home / "baseline.parquet"

    def ours() -> float:
        return clocked(lambda: gold.build(DS, spark))[0]

    def baseline() -> float:
        con = duckdb.connect()
        sql = BASELINE_SQL.format(out=out)
        seconds = clocked(lambda: con.execute(sql, {"events": uris, "ds": DS}))[0]
        con.close()
        return seconds

    figures = interleaved(runs, {"gold": ours, "duckdb_aggregation": baseline}, warmup=warmup)
    ours_rows = lake.read(lake.table_uri("gold.trajectory_monthly"), columns=["id_token"]).num_rows
    base_rows = duckdb.connect().execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]
    assert ours_rows == base_rows, (ours_rows, base_rows)
    return figures | {
        "ratio": round(figures["gold"]["median_s"] / figures["duckdb_aggregation"]["median_s"], 2),
        "setup_s": round(setup_s, 1), "spark_start_s": round(spark_s, 1), "trajectory_rows": ours_rows,
        "portrait_rows": lake.read(lake.table_uri("gold.portrait"), columns=["id_token"]).num_rows,
    }  # fmt: skip


def _landed(events: int, people_n: int) -> bool:
    """Whether this home already holds the silver world of that size (``--home`` reuse)."""
    from yikatong import lake

    uris = {name: lake.table_uri(f"silver.{name}") for name in ("card_use_event", "person")}
    if not all(lake.exists(uri) for uri in uris.values()):
        return False
    rows = {name: lake.read(uri, columns=[]).num_rows for name, uri in uris.items()}
    return rows == {"card_use_event": events, "person": people_n}


def _files(uri: str) -> list[str]:
    from deltalake import DeltaTable

    return DeltaTable(uri).file_uris()


if __name__ == "__main__":
    main()
