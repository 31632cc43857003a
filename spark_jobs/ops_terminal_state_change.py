"""设备状态变化 (silver.ops_terminal_state_change) ← ops.terminal_state_change (see spark_jobs.ops)."""

from __future__ import annotations

from spark_jobs.ops import job

JOB = job("terminal_state_change")
main = JOB.main

if __name__ == "__main__":
    from spark_jobs.batches import parse_ds

    print(main(parse_ds()))
