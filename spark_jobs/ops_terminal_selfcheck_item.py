"""开机自检明细 (silver.ops_terminal_selfcheck_item) ← ops.terminal_selfcheck_item (see spark_jobs.ops)."""

from __future__ import annotations

from spark_jobs.ops import job

JOB = job("terminal_selfcheck_item")
main = JOB.main

if __name__ == "__main__":
    from spark_jobs.batches import parse_ds

    print(main(parse_ds()))
