"""预制卡使用记录 (silver.ops_card_blank_usage) ← ops.card_blank_usage (see spark_jobs.ops)."""

from __future__ import annotations

from spark_jobs.ops import job

JOB = job("card_blank_usage")
main = JOB.main

if __name__ == "__main__":
    from spark_jobs.batches import parse_ds

    print(main(parse_ds()))
