"""The per-person timeline API: paging by time, filters, masking, region scope, audit, bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pipeline import trajectory_load
from services.trajectories import store
from tests.services.helpers import sql
from tests.trajectories.conftest import AS_OF, BATCHES, BUSY_ID
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
PLAIN_ID = re.compile(r"\d{17}[\dX]")


def _expected_order(world) -> list[str]:
    rows = sorted(world.busy_events, key=lambda r: (r["event_time"], r["event_id"]), reverse=True)
    return [r["event_id"] for r in rows]


async def _all_pages(client, headers, url, **params) -> tuple[list[dict], int]:
    items, pages, cursor = [], 0, None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, headers=headers, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


async def test_the_loader_replaces_one_batch_and_indexes_the_person(world):
    def count() -> int:
        with db.engine("analytics").connect() as conn:
            return conn.exec_driver_sql(
                f"select count(*) from raw_trajectory_event where person_token = '{world.busy_token}'"
            ).scalar()

    assert count() == sum(BATCHES.values())
    assert trajectory_load.run(AS_OF, root=world.lake_root) == BATCHES[AS_OF] + 300  # + the snapshot's day
    assert count() == sum(BATCHES.values())  # the rerun replaced its batch, nothing doubled
    query = store.page_query(kind=False, since=False, until=False, after=True)  # the API's own SQL
    params = {"token": world.busy_token, "limit": 51, "at": datetime.now(UTC), "event_id": "~"}
    with db.engine("analytics").connect() as conn:  # 430 rows here: keep the planner off a whole-table scan
        conn.exec_driver_sql("set enable_seqscan = off; set enable_bitmapscan = off")
        plan = conn.execute(sa.text(f"explain {query.text}"), params).scalars().all()
    assert not any("Sort" in line for line in plan), plan  # the index gives the order: no sort step
    assert any("raw_trajectory_event_person_time_idx" in line for line in plan), plan


async def test_pages_newest_first_through_the_cursor(client, staff, world):
    url = f"/api/v1/admin/trajectories/{world.busy_token}"
    items, pages = await _all_pages(client, staff.szq_operator.headers, url, size=50)
    assert pages == 3
    assert [i["event_id"] for i in items] == _expected_order(world)
    first = items[0]
    assert first["trajectory_kind"] in {
        "身份凭证类",
        "身份校验类",
        "非医保消费类",
        "待遇发放类",
        "信息查询类",
    }


async def test_kind_and_time_filters(client, staff, world):
    url = f"/api/v1/admin/trajectories/{world.busy_token}"
    items, _ = await _all_pages(client, staff.city_operator.headers, url, kind="待遇发放类", size=7)
    expected = [e for e in _expected_order(world) if _kind(world, e) == "待遇发放类"]
    assert [i["event_id"] for i in items] == expected and len(expected) == 26
    since, until = "2026-11-27T00:00:00+08:00", "2026-11-28T00:00:00+08:00"
    items, _ = await _all_pages(client, staff.city_operator.headers, url, since=since, until=until, size=200)
    assert len(items) == BATCHES[AS_OF]


def _kind(world, event_id: str) -> str:
    return next(r["trajectory_kind"] for r in world.busy_events if r["event_id"] == event_id)


async def test_by_id_number_masked_and_audited(client, staff, world):
    body = {"id_number": BUSY_ID, "size": 5}
    response = await client.post(
        "/api/v1/admin/trajectories/query", headers=staff.szq_operator.headers, json=body
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["person"] == {"person_token": world.busy_token, "id_masked": "110105********002X",
                              "name_masked": "张*", "sex": "女", "county_code": "511102",
                              "county_name": "市中区"}  # fmt: skip
    assert [i["event_id"] for i in body["items"]] == _expected_order(world)[:5]
    assert not PLAIN_ID.search(response.text), "a plain ID number left the API"
    rows = sql(
        "select actor, action, result, object_id, detail from audit_log where action = 'trajectory.read'"
    )
    assert [(r.actor, r.result, r.object_id) for r in rows] == [("szq_operator", "成功", world.busy_token)]
    assert BUSY_ID not in rows[0].detail and json.loads(rows[0].detail)["addressed_by"] == "id_number"


async def test_another_county_learns_nothing(client, staff, world):
    missing = "0" * 64
    outside = await client.get(
        f"/api/v1/admin/trajectories/{world.busy_token}", headers=staff.emei_admin.headers
    )
    absent = await client.get(f"/api/v1/admin/trajectories/{missing}", headers=staff.emei_admin.headers)
    assert outside.status_code == absent.status_code == 404
    assert outside.json() == absent.json() and outside.json()["code"] == "NOT_FOUND"
    by_number = await client.post(
        "/api/v1/admin/trajectories/query", headers=staff.emei_admin.headers, json={"id_number": BUSY_ID}
    )
    assert by_number.status_code == 404 and by_number.json() == absent.json()
    own = await client.get(
        f"/api/v1/admin/trajectories/{world.other_token}", headers=staff.emei_admin.headers
    )
    assert own.status_code == 200 and own.json()["items"]
    refused = sql("select result, object_id from audit_log where action = 'trajectory.read' order by seq")
    assert [r.result for r in refused] == ["失败", "失败", "失败", "成功"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"id_number": BUSY_ID, "person_token": "a" * 64}, "PERSON_REQUIRED"),
        ({}, "PERSON_REQUIRED"),
        ({"id_number": "110105194912310021"}, "VALIDATION_ERROR"),
        ({"person_token": "a" * 64, "cursor": "bm90LWEtY3Vyc29y"}, "CURSOR_INVALID"),
        ({"person_token": "a" * 64, "size": 0}, "VALIDATION_ERROR"),
        ({"person_token": "a" * 64, "since": "2026-11-27T00:00:00"}, "VALIDATION_ERROR"),
    ],
)
async def test_bad_input_is_a_clear_422(client, staff, world, body, code):
    response = await client.post(
        "/api/v1/admin/trajectories/query", headers=staff.city_operator.headers, json=body
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code and response.json()["message"]


async def test_roles_without_the_permission_are_refused(client, staff, world):
    response = await client.get(
        f"/api/v1/admin/trajectories/{world.busy_token}", headers=staff.analyst.headers
    )
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
