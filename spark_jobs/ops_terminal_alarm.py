"""设备告警 (silver.ops_terminal_alarm) ← ops.terminal_alarm (see spark_jobs.ops)."""

from __future__ import annotations

from spark_jobs.ops import job

JOB = job("terminal_alarm")
main = JOB.main

if __name__ == "__main__":
    from spark_jobs.batches import parse_ds

    print(main(parse_ds()))
