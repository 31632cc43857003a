"""`ykt simulate` wall time per scale, as a user runs it (a whole command, warm-up first, medians).

    .venv/bin/python -m benchmarks.bench_simulate --scales small demo --runs 3

Runs in its own `YKT_HOME` (var/bench) so it never touches the demo data of `make run`. The
figures of the foundation issue: `small` ≤ 10 s, `demo` ≤ 2 min (the bench-scale event stream has
its own benchmark, `bench_events`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks._report import summary, timed, write

TARGETS = {"small": 10.0, "demo": 120.0, "bench": 600.0}


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--scales", nargs="+", default=["small", "demo"])
    args.add_argument("--runs", type=int, default=3)
    opts = args.parse_args()
    ykt = str(Path(sys.executable).with_name("ykt"))
    env = {"YKT_HOME": str(Path("var/bench").resolve())}
    figures = {}
    for scale in opts.scales:
        cmd = [ykt, "simulate", "--scale", scale]
        timed(cmd, env)  # warm-up: starts the bench database, fills caches
        samples = [timed(cmd, env) for _ in range(opts.runs)]
        figures[scale] = {**summary(samples), "target_s": TARGETS[scale],
                          "meets_target": summary(samples)["median_s"] <= TARGETS[scale]}  # fmt: skip
        print(scale, figures[scale])
    print(write("simulate", " ".join(["python -m benchmarks.bench_simulate", *sys.argv[1:]]), figures))


if __name__ == "__main__":
    main()
