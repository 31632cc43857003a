"""The channel and portrait dashboards' inputs for the shared analytics world (`world.py`).

- `raw_ops_access_log`: two weeks of `small`-scale access history (simulators/access_history, the
  middleware's shape), as the ops extraction would load it;
- `raw_gold_portrait` and `raw_gold_trajectory_monthly`: a deterministic set of 400 portraits and
  their monthly trajectories with the gold jobs' columns and vocabularies (the frozen snapshot holds
  no gold layer), opaque tokens only.
"""

from __future__ import annotations

import random
from datetime import date

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa

from simulators import access_history
from simulators.event_scenarios import CHANNELS, KINDS
from simulators.insured import INSURANCE_TYPES, PENSION_BENEFIT
from spark_jobs.gold_portrait import AGE_BANDS, FLAGS
from yikatong import regions

SCENES = ("医疗就诊", "药店购药", "公交出行", "图书借阅", "景区入园", "养老金领取", "社保查询")


def access_log(as_of: date) -> pa.Table:
    rows, _, _ = access_history.generate("small", 14, as_of, seed=7)
    table = pa.Table.from_pylist([row._asdict() for row in rows])
    return table.add_column(0, "id", pa.array(range(1, len(rows) + 1), pa.int64()))


def portraits(as_of: date, people: int = 400) -> tuple[pa.Table, pa.Table]:
    """Portraits and monthly trajectories of ``people`` simulated holders (tokens only)."""
    rng = random.Random(f"channel-world:{as_of}")
    counties, portrait_rows, trajectory_rows = list(regions.COUNTIES), [], []
    for n in range(people):
        token, county = f"{n:064x}", rng.choice(counties)
        band = rng.choice(AGE_BANDS)[2]
        pensioner = band in {"60-69", "70+"}
        portrait_rows.append({
            "id_token": token, "sex": rng.choice(["男", "女"]), "age_band": band, "county_code": county,
            "insured_types": ",".join(sorted(rng.sample(sorted(INSURANCE_TYPES), rng.randint(1, 3)))),
            "active_channels": ",".join(sorted(rng.sample(sorted(CHANNELS.values()), rng.randint(0, 3)))),
            "scenarios_used": ",".join(sorted(rng.sample(SCENES, rng.randint(0, 3)))),
            "benefit_types": rng.choice(sorted(PENSION_BENEFIT.values())) if pensioner else "",
            "risk_flags": ",".join(f for f in FLAGS if rng.random() < 0.06), "as_of_date": as_of,
        })  # fmt: skip
        for month in ("2026-09", "2026-10", "2026-11"):
            for kind in rng.sample(KINDS, rng.randint(0, 2)):
                events = rng.randint(1, 6)
                trajectory_rows.append({
                    "id_token": token, "month": month, "trajectory_kind": kind, "county_code": county,
                    "place_code": regions.townships(county)[0].code, "events": events,
                    "successful_events": events - (rng.random() < 0.1), "as_of_date": as_of,
                    "amount_total": round(rng.uniform(0, 300), 2) if kind == "非医保消费类" else 0.0,
                })  # fmt: skip
    return pa.Table.from_pylist(portrait_rows), pa.Table.from_pylist(trajectory_rows)


def load(schema: str, as_of: date) -> dict[str, int]:
    """Write the three tables into ``schema`` of `analytics` (the schema must exist); rows per table."""
    from yikatong import db

    portrait, trajectory = portraits(as_of)
    tables = {
        "raw_ops_access_log": access_log(as_of),
        "raw_gold_portrait": portrait,
        "raw_gold_trajectory_monthly": trajectory,
    }
    with adbc.connect(db.dsn("analytics")) as conn:
        with conn.cursor() as cur:
            for name, rows in tables.items():
                cur.execute(f'drop table if exists "{schema}"."{name}"')
                cur.adbc_ingest(name, rows, db_schema_name=schema)
        conn.commit()
    return {name: rows.num_rows for name, rows in tables.items()}
