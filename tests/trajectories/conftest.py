"""Trajectory and precision-service tests: the staff API through HTTP on `ops_test`, reading an
`analytics` holding the dbt tests' `small` snapshot (tests/dbt/raw_snapshot.py) plus a timeline
loaded by the real loader from a silver ``card_use_event`` written into a temporary lake.

One person (`BUSY`, a known ID number living in 市中区) gets 130 generated events over two batches,
so paging, filters and the per-batch reload have something to chew on.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from services.base.permissions import Role
from tests.capabilities import conftest as capability_fixtures
from tests.services.helpers import Staff, make_staff
from yikatong import db, lake, pii

client = capability_fixtures.client
ops_test = capability_fixtures.ops_test

AS_OF = date(2026, 11, 27)
BUSY_ID = "11010519491231002X"
KINDS = ("身份凭证类", "身份校验类", "非医保消费类", "待遇发放类", "信息查询类")
BATCHES = {date(2026, 11, 26): 60, date(2026, 11, 27): 70}
SNAPSHOT = Path(__file__).parents[1] / "dbt" / "raw_snapshot.py"


@dataclass(frozen=True)
class World:
    busy_token: str
    busy_events: list[dict]  # the generated rows, as loaded
    other_token: str  # a person of 峨眉山市 (511181) with events
    lake_root: str


def _snapshot():
    spec = importlib.util.spec_from_file_location("raw_snapshot", SNAPSHOT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def busy_events(snapshot_events: pa.Table, token: str) -> pa.Table:
    """130 events of one person: every kind, two batches, two events sharing a time (ties by ID)."""
    template = snapshot_events.slice(0, 1).to_pylist()[0]
    rows, n, masked = [], 0, pii.mask(BUSY_ID, "id_number")
    for batch, count in BATCHES.items():
        start = datetime.combine(batch, datetime.min.time(), UTC) - timedelta(hours=8)
        for i in range(count):
            n += 1
            at = start + timedelta(minutes=7 * (4 if i == 5 else i))  # i = 4 and 5 share a time
            kind = KINDS[n % 5]
            rows.append(template | {"event_id": f"EVBUSY{n:05d}", "id_token": token, "id_masked": masked,
                                    "event_time": at, "event_date": batch, "trajectory_kind": kind,
                                    "scene_name": f"{kind}场景", "_logical_date": batch})  # fmt: skip
    return pa.Table.from_pylist(rows, schema=snapshot_events.schema)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from pipeline import trajectory_load

    db.ensure_databases(("analytics",))
    _snapshot().load()
    token = pii.protector().token(BUSY_ID, "id_number")
    with db.engine("analytics").begin() as conn:
        conn.execute(
            sa.text("insert into public.raw_person (id_token, id_masked, name_masked, sex, county_code) "
                    "values (:t, :m, '张*', '女', '511102')"),
            {"t": token, "m": pii.mask(BUSY_ID, "id_number")},
        )  # fmt: skip
        other = conn.execute(sa.text(
            "select p.id_token from public.raw_person p join public.raw_card_use_event e using (id_token) "
            "where p.county_code = '511181' order by 1 limit 1"
        )).scalar_one()  # fmt: skip
    snapshot_events = pq.read_table(_snapshot().FOLDER / "public.raw_card_use_event.parquet")
    generated = busy_events(snapshot_events, token)
    silver = pa.concat_tables([snapshot_events, generated])
    root = str(tmp_path_factory.mktemp("lake"))
    lake.overwrite(lake.table_uri("silver.card_use_event", root), silver, partition_by=["event_date"])
    for batch in BATCHES:
        trajectory_load.run(batch, root=root)
    return World(token, generated.to_pylist(), other, root)


@dataclass
class Staffing:
    szq_operator: Staff  # 业务经办 市中区
    emei_admin: Staff  # 区域管理员 峨眉山市
    city_operator: Staff  # 业务经办 乐山市
    analyst: Staff  # 只读分析 (no trajectory:read)


@pytest.fixture
def staff(client: httpx.AsyncClient) -> Staffing:
    return Staffing(
        make_staff("szq_operator", Role.OPERATOR, "511102"),
        make_staff("emei_admin", Role.REGION_ADMIN, "511181"),
        make_staff("city_operator", Role.OPERATOR, "511100"),
        make_staff("analyst", Role.ANALYST, "511100"),
    )
