"""Shared reporting for benchmarks: timing, medians, the machine, and `benchmarks/results/`.

Every benchmark times its work with :func:`timed` (a whole command) or :func:`clocked` (a call),
alternates a job with its baseline through :func:`interleaved` (BENCHMARKS.md: warm-up, then
A B A B …), summarises with :func:`summary`, and records with :func:`write` (the JSON file,
with the machine's ``nproc``, load average and date) and :func:`readme_line` (its row in
``results/README.md``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one command run to completion (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def clocked(work: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call, and what it returned."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def summary(samples: list[float], suffix: str = "_s", digits: int = 2) -> dict[str, float]:
    """Median, min, max (keys ``median<suffix>`` …) and the number of runs."""
    return {f"median{suffix}": round(statistics.median(samples), digits),
            f"min{suffix}": round(min(samples), digits), f"max{suffix}": round(max(samples), digits),
            "runs": len(samples)}  # fmt: skip


def interleaved(runs: int, works: dict[str, Callable[[], float]], warmup: bool = True) -> dict[str, dict]:
    """Each work (returning its own seconds) once as a warm-up, then A B A B … ``runs`` times."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for i in range(runs + int(warmup)):
        for name, work in works.items():
            seconds = work()
            print(f"  {name} #{i}: {seconds:.1f} s", flush=True)
            if i or not warmup:
                times[name].append(seconds)
    return {name: summary(samples) for name, samples in times.items()}


def write(name: str, command: str, figures: dict, **extra: Any) -> Path:
    """``results/<name>.json``: the figures with the command, date, ``nproc`` and load average."""
    record = {"benchmark": name, "command": command, "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "nproc": os.cpu_count(), "loadavg": os.getloadavg(), **extra, "figures": figures}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def readme_line(name: str, command: str, figure: str) -> None:
    """The row ``| name | `command` | figure |`` in ``results/README.md``, replaced or appended."""
    readme = RESULTS / "README.md"
    row = f"| {name} | `{command}` | {figure} |"
    lines = readme.read_text(encoding="utf-8").splitlines() if readme.exists() else []
    at = [i for i, line in enumerate(lines) if line.startswith(f"| {name} |")]
    if at:
        lines[at[0]] = row
    else:
        lines.append(row)
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
