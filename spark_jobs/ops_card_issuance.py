"""设备发卡记录 (silver.ops_card_issuance) ← ops.card_issuance (see spark_jobs.ops)."""

from __future__ import annotations

from spark_jobs.ops import job

JOB = job("card_issuance")
main = JOB.main

if __name__ == "__main__":
    from spark_jobs.batches import parse_ds

    print(main(parse_ds()))
