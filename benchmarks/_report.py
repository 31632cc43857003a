"""Shared reporting for benchmarks: medians, the machine, and `benchmarks/results/<name>.json`."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("results")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one command run to completion (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def summary(samples: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(samples), 2), "min_s": round(min(samples), 2),
            "max_s": round(max(samples), 2), "runs": len(samples)}  # fmt: skip


def write(name: str, command: str, figures: dict, **extra) -> Path:
    record = {"benchmark": name, "command": command, "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "nproc": os.cpu_count(), "loadavg": os.getloadavg(), **extra, "figures": figures}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return path
