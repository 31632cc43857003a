"""Benchmark of the card-use event stream (`simulators.events.write_events`) at bench scale.

Run with ``.venv/bin/python -m benchmarks.bench_events`` (``--scale demo`` for a quick look). Each
run writes the whole window (`scale.event_days` days ending at ANCHOR, `scale.events` messages)
into a fresh folder, starting from a cold per-world cache, so holder preparation is included. The
baseline, in the same process, is DuckDB writing the same number of rows of the same width and
shape (11 columns, same string lengths, zstd parquet) with `COPY (SELECT … FROM range(n))`, which is
the floor for "generate synthetic rows and write parquet". The two alternate (A B A B …, after one
warm-up of each, BENCHMARKS.md) and the figures are medians of `--runs` pairs; results go to
``benchmarks/results/events.json`` and a line in ``benchmarks/results/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb

from benchmarks._report import interleaved, readme_line, write
from simulators import events
from simulators.scales import ANCHOR, SCALES

TARGET_SECONDS = 120.0  # the aim (≤ 5 min is the hard limit)


def build_world(scale: str, seed: int):
    """The simulated world at `scale` (residents, card histories) exactly as `ykt simulate` builds it,
    without loading the upstream databases (not part of what is measured)."""
    from simulators import clock
    from simulators.cardstatus import build_history
    from simulators.population import generate_residents
    from simulators.world import World, contract_cards

    sc = SCALES[scale]
    residents = generate_residents(sc, seed)
    history = build_history(residents, seed, clock.day_end(ANCHOR))
    return World(sc, seed, 0.002, residents, contract_cards(history.current()))


def run_events(world, out: Path) -> tuple[float, int]:
    events._CACHE.clear()  # cold: holder preparation is part of the cost
    start = ANCHOR - timedelta(days=world.scale.event_days - 1)
    t0 = time.perf_counter()
    result = events.write_events(world, start, ANCHOR, root=out)
    return time.perf_counter() - t0, result.rows


def run_baseline(rows: int, days: int, out: Path) -> float:
    """DuckDB generates `rows` rows shaped like the messages and writes one zstd parquet file."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    sql = f"""
    copy (
      with g as (select i, (hash(i) % 1000000000000)::bigint as h from range({rows}) t(i))
      select
        'EV20261127' || lpad((i % 100000000)::varchar, 8, '0')                      as event_id,
        'B' || lpad((h % 1000000)::varchar, 8, '0')                                 as card_no,
        '5111021990' || lpad(((h // 7) % 100000000)::varchar, 8, '0')               as id_number,
        timestamp '2026-08-30' + to_milliseconds((h % ({days}::bigint * 86400000))) as event_time,
        ['GM','ZZJ','WX','TFTB','ZLS','YH','YY','YD','JQ','GJ','TSG','KC','POS'][1 + h % 13] as channel,
        'GJ511102' || lpad(((h // 11) % 1000000)::varchar, 6, '0')                  as terminal_id,
        '511102' || lpad(((h // 13) % 1000)::varchar, 3, '0')                       as place_code,
        ['GJCC','CSXF','SBCX','DZLM','YYGH','YLFF','XSRZ','GMHY'][1 + (h // 17) % 8] as scene_code,
        case when h % 2 = 0 then round(((h // 19) % 100000) / 100.0, 2) end         as amount,
        case when (h // 3) % 2 = 0
             then ['乐山大佛景区','市中区城乡公交','舞东风超市乐山通江店'][1 + (h // 23) % 3]
        end                                                                         as merchant_name,
        case when (h // 29) % 100 = 0 then '失败' else '成功' end                   as result
      from g
    ) to '{out / "baseline.parquet"}' (format parquet, compression zstd)
    """
    t0 = time.perf_counter()
    con.execute(sql)
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed


def _in_fresh_folder(name: str, work: Callable[[Path], float], scratch: Path) -> Callable[[], float]:
    """``work`` given a new empty folder on every call (removed afterwards)."""
    calls = itertools.count()

    def run() -> float:
        out = scratch / f"{name}{next(calls)}"
        out.mkdir(parents=True)
        try:
            return work(out)
        finally:
            shutil.rmtree(out, ignore_errors=True)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="bench", choices=sorted(SCALES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    t0 = time.perf_counter()
    world = build_world(args.scale, args.seed)
    build_s = time.perf_counter() - t0
    rows_seen: list[int] = []

    def ours(out: Path) -> float:
        seconds, rows = run_events(world, out)
        rows_seen.append(rows)
        return seconds

    with tempfile.TemporaryDirectory(prefix="bench_events_") as tmp:
        works = {
            "write_events": ours,
            # the same number of rows as the run just before it
            "duckdb_baseline": lambda out: run_baseline(rows_seen[-1], world.scale.event_days, out),
        }
        figures = interleaved(args.runs, {n: _in_fresh_folder(n, w, Path(tmp)) for n, w in works.items()})
    mine, base = figures["write_events"], figures["duckdb_baseline"]
    rows = rows_seen[-1]
    command = f".venv/bin/python -m benchmarks.bench_events --scale {args.scale} --runs {args.runs}"
    extra = {
        "scale": args.scale,
        "residents": world.residents.num_rows,
        "cards": world.cards.num_rows,
        "events": rows,
        "days": world.scale.event_days,
        "world_build_s": round(build_s, 1),
        "events_per_s": round(rows / mine["median_s"]),
        "ratio_vs_baseline": round(mine["median_s"] / base["median_s"], 2),
        "target_s": TARGET_SECONDS,
        "meets_target": mine["median_s"] <= TARGET_SECONDS,
    }
    name = "events" if args.scale == "bench" else f"events_{args.scale}"
    path = write(name, command, figures, **extra)
    readme_line(
        "events" if args.scale == "bench" else f"events ({args.scale})",
        command,
        f"{rows:,} card-use events over {extra['days']} days written in {mine['median_s']:.0f} s median "
        f"({mine['min_s']:.0f}–{mine['max_s']:.0f} s), aim ≤ 120 s, limit ≤ 300 s; DuckDB baseline "
        f"generating rows of the same width {base['median_s']:.0f} s, interleaved → ratio "
        f"{extra['ratio_vs_baseline']} ({dt.date.today()})",
    )
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
