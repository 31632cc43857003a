"""成品卡 (silver.ops_card_finished) ← ops.card_finished (see spark_jobs.ops)."""

from __future__ import annotations

from spark_jobs.ops import job

JOB = job("card_finished")
main = JOB.main

if __name__ == "__main__":
    from spark_jobs.batches import parse_ds

    print(main(parse_ds()))
