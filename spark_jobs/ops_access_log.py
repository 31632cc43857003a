"""渠道访问记录 (silver.ops_access_log) ← ops.access_log (see spark_jobs.ops).

Append-only rows of every API and H5 request (services/access_log): actor kind and token (a blind
index, a staff/device/partner ID, never a plain ID number), channel, route template, operation,
status class and error code, latency, masked IP and county. No ciphertext to drop.
"""

from __future__ import annotations

from spark_jobs.ops import job

JOB = job("access_log")
main = JOB.main

if __name__ == "__main__":
    from spark_jobs.batches import parse_ds

    print(main(parse_ds()))
