"""Access requests through HTTP: a department requests, a steward approves (scoped) or refuses with a
reason, the grant serves masked real-time rows to its requester only; every role against every endpoint."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.base.permissions import ROLE_PERMISSIONS, Perm, Role
from tests.catalog.conftest import entry_id
from tests.services.helpers import make_staff, sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
API = "/api/v1/admin/catalog"
UNTIL = (date.today() + timedelta(days=90)).isoformat()


def request_body(eid: int, columns: list[str], **extra) -> dict:
    return {
        "entry_id": eid,
        "department": "WJW",
        "columns": columns,
        "valid_until": UNTIL,
        "purpose": "就医一卡通服务核验",
        **extra,
    }


async def open_gold(client, steward) -> int:
    """A steward opens gold.resident_contact conditionally (plaintext: masked when shared)."""
    eid = await entry_id(client, steward.headers, "gold.resident_contact")
    response = await client.patch(
        f"{API}/entries/{eid}", headers=steward.headers, json={"openness": "有条件开放"}
    )
    assert response.status_code == 200
    return eid


async def test_request_approve_and_query_masked_rows(client, synced, steward, analyst):
    eid = await open_gold(client, steward)
    asked = await client.post(
        f"{API}/requests",
        headers=analyst.headers,
        json=request_body(eid, ["name", "phone", "id_number", "region_code"]),
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "待审批" and asked.json()["grant_id"] is None
    rid = asked.json()["id"]
    decision = {"approve": True, "reason": "用途正当，限定列", "columns": ["name", "phone", "region_code"]}
    approved = await client.post(f"{API}/requests/{rid}/decision", headers=steward.headers, json=decision)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (
        body["status"] == "已批准"
        and body["columns"] == ["name", "phone", "region_code"]
        and body["grant_id"]
    )
    rows = await client.get(f"{API}/grants/{body['grant_id']}/rows", headers=analyst.headers)
    assert rows.status_code == 200, rows.text
    out = rows.json()
    assert out["columns"] == ["name", "phone", "region_code"] and out["masked"] == ["name", "phone"]
    assert out["total"] == 3
    assert {r["phone"] for r in out["rows"]} == {"138****8000", "139****5678", "135****2222"}
    assert {r["name"] for r in out["rows"]} == {"张*", "欧阳**", "李*"}
    assert all("id_number" not in r for r in out["rows"])
    again = await client.post(f"{API}/requests/{rid}/decision", headers=steward.headers, json=decision)
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_DECIDED"
    actions = {r.action for r in sql("select action from audit_log where result = '成功'")}
    assert {"catalog.request.create", "catalog.request.decide", "catalog.grant.rows"} <= actions


async def test_refusal_needs_a_reason_and_makes_no_grant(client, synced, steward, analyst):
    eid = await entry_id(client, steward.headers, "silver.person")
    rid = (
        await client.post(f"{API}/requests", headers=analyst.headers, json=request_body(eid, ["id_token"]))
    ).json()["id"]
    no_reason = await client.post(
        f"{API}/requests/{rid}/decision", headers=steward.headers, json={"approve": False}
    )
    assert no_reason.status_code == 422
    refused = await client.post(
        f"{API}/requests/{rid}/decision",
        headers=steward.headers,
        json={"approve": False, "reason": "用途与所申请数据无关"},
    )
    assert refused.json()["status"] == "已拒绝" and refused.json()["reason"] == "用途与所申请数据无关"
    assert sql("select count(*) from catalog_grant")[0][0] == 0
    listed = (
        await client.get(f"{API}/requests", headers=analyst.headers, params={"status": "已拒绝"})
    ).json()
    assert [r["id"] for r in listed["items"]] == [rid]


async def test_open_datasets_are_granted_at_once(client, synced, steward, analyst):
    eid = await entry_id(client, steward.headers, "silver.person")
    await client.patch(f"{API}/entries/{eid}", headers=steward.headers, json={"openness": "无条件开放"})
    asked = await client.post(
        f"{API}/requests", headers=analyst.headers, json=request_body(eid, ["region_code"])
    )
    assert (
        asked.json()["status"] == "已批准"
        and asked.json()["decided_by"] == "auto"
        and asked.json()["grant_id"]
    )


async def test_revoked_grant_serves_nothing_and_others_never_see_it(client, synced, steward, analyst):
    eid = await open_gold(client, steward)
    rid = (
        await client.post(f"{API}/requests", headers=analyst.headers, json=request_body(eid, ["region_code"]))
    ).json()["id"]
    gid = (
        await client.post(
            f"{API}/requests/{rid}/decision",
            headers=steward.headers,
            json={"approve": True, "reason": "同意"},
        )
    ).json()["grant_id"]
    other = make_staff("analyst.other", Role.ANALYST, "511100")
    hidden = await client.get(f"{API}/grants/{gid}/rows", headers=other.headers)
    assert hidden.status_code == 404
    revoked = await client.post(f"{API}/grants/{gid}/revoke", headers=steward.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.post(f"{API}/grants/{gid}/revoke", headers=steward.headers)).status_code == 409
    gone = await client.get(f"{API}/grants/{gid}/rows", headers=analyst.headers)
    assert gone.status_code == 403 and gone.json()["code"] == "GRANT_INACTIVE"
    grants = (await client.get(f"{API}/grants", headers=steward.headers, params={"department": "WJW"})).json()
    assert [g["id"] for g in grants["items"]] == [gid]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"department": "XYZ"}, 422, "UNKNOWN_DEPARTMENT"),
        ({"department": "wjw"}, 422, "VALIDATION_ERROR"),
        ({"columns": ["no_such_column"]}, 422, "UNKNOWN_COLUMNS"),
        ({"columns": ["id_cipher"]}, 422, "COLUMNS_NOT_SHAREABLE"),
        ({"columns": ["id_token", "id_token"]}, 422, "VALIDATION_ERROR"),
        ({"columns": []}, 422, "VALIDATION_ERROR"),
        ({"valid_until": "2020-01-01"}, 422, "INVALID_DATE"),
        ({"purpose": "x"}, 422, "VALIDATION_ERROR"),
        ({"entry_id": 999999}, 404, "NOT_FOUND"),
    ],
)
async def test_bad_requests_write_nothing(client, synced, steward, analyst, change, status, code):
    eid = await entry_id(client, steward.headers, "silver.person")
    response = await client.post(
        f"{API}/requests", headers=analyst.headers, json=request_body(eid, ["id_token"]) | change
    )
    assert response.status_code == status and response.json()["code"] == code, response.text
    assert sql("select count(*) from catalog_request")[0][0] == 0


async def test_closed_and_non_dataset_entries_cannot_be_requested(client, synced, steward, analyst):
    gold = await entry_id(client, steward.headers, "gold.resident_contact")  # 不予开放 by default
    closed = await client.post(
        f"{API}/requests", headers=analyst.headers, json=request_body(gold, ["region_code"])
    )
    assert closed.status_code == 422 and closed.json()["code"] == "RESOURCE_CLOSED"
    source = await entry_id(client, steward.headers, "source.insurance.qmcb_person")
    raw = await client.post(f"{API}/requests", headers=analyst.headers, json=request_body(source, ["aac002"]))
    assert raw.status_code == 422 and raw.json()["code"] == "NOT_SHAREABLE"
    # a resource item set to 不予开放 closes its columns in every dataset
    item = await entry_id(client, steward.headers, "resource.身份证")
    await client.patch(f"{API}/entries/{item}", headers=steward.headers, json={"openness": "不予开放"})
    person = await entry_id(client, steward.headers, "silver.person")
    ids = await client.post(
        f"{API}/requests", headers=analyst.headers, json=request_body(person, ["id_masked"])
    )
    assert ids.status_code == 422 and ids.json()["code"] == "COLUMNS_NOT_SHAREABLE"


E = f"{API}/entries/1"
ENDPOINTS = [
    ("GET", f"{API}/entries", Perm.CATALOG_READ),
    ("GET", E, Perm.CATALOG_READ),
    ("PATCH", E, Perm.CATALOG_MANAGE),
    ("GET", f"{E}/history", Perm.CATALOG_READ),
    ("GET", f"{E}/lineage", Perm.CATALOG_READ),
    ("POST", f"{API}/sync", Perm.CATALOG_MANAGE),
    ("POST", f"{API}/requests", Perm.CATALOG_REQUEST),
    ("GET", f"{API}/requests", Perm.CATALOG_READ),
    ("POST", f"{API}/requests/1/decision", Perm.GRANT_APPROVE),
    ("GET", f"{API}/grants", Perm.CATALOG_READ),
    ("POST", f"{API}/grants/1/revoke", Perm.GRANT_APPROVE),
    ("GET", f"{API}/grants/1/rows", Perm.CATALOG_REQUEST),
]


@pytest.mark.parametrize("role", list(Role))
async def test_role_against_every_catalog_endpoint(client, role):
    staff = make_staff(f"u.{role.value}", role, "511100")
    for method, path, permission in ENDPOINTS:
        if path.endswith("/sync") and permission in ROLE_PERMISSIONS[role]:
            continue  # a real sync; covered above
        response = await client.request(method, path, headers=staff.headers, json={})
        allowed = permission in ROLE_PERMISSIONS[role]
        assert (response.status_code != 403) is allowed, f"{role} {method} {path}: {response.status_code}"
        if not allowed:
            assert response.json()["code"] == "FORBIDDEN" and role.label in response.json()["message"]
