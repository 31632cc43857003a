"""Card and statistics endpoints: least privilege per role, and another county's objects are a 404
identical to a missing one (and nothing changes)."""

from __future__ import annotations

import pytest

from services.base.permissions import ROLE_PERMISSIONS, Perm, Role
from tests.services.cards_support import add_blank, card_no, event_id, kiosk, now_iso, person
from tests.services.helpers import make_staff, sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
A = "/api/v1/admin"
ENDPOINTS = [
    ("GET", f"{A}/blank-cards", Perm.CARD_READ),
    ("GET", f"{A}/blank-cards/LS-511102-9999", Perm.CARD_READ),
    ("POST", f"{A}/blank-cards/LS-511102-9999/additions", Perm.CARD_WRITE),
    ("GET", f"{A}/blank-cards/LS-511102-9999/additions", Perm.CARD_READ),
    ("GET", f"{A}/blank-cards/LS-511102-9999/usages", Perm.CARD_READ),
    ("GET", f"{A}/finished-cards", Perm.CARD_READ),
    ("GET", f"{A}/finished-cards/999999", Perm.CARD_READ),
    ("GET", f"{A}/issuances", Perm.CARD_READ),
    ("GET", f"{A}/issuances/999999", Perm.CARD_READ),
    ("POST", f"{A}/card-batches", Perm.CARD_WRITE),
    ("GET", f"{A}/card-batches", Perm.CARD_READ),
    ("GET", f"{A}/card-batches/P0", Perm.CARD_READ),
    ("GET", f"{A}/card-batches/P0/cards", Perm.CARD_READ),
    ("GET", f"{A}/writebacks", Perm.CARD_READ),
    ("GET", f"{A}/writebacks/999999", Perm.CARD_READ),
    ("POST", f"{A}/writebacks/999999/retry", Perm.CARD_WRITE),
    ("GET", f"{A}/stats/devices", Perm.STATS_READ),
    ("GET", f"{A}/stats/outlets", Perm.STATS_READ),
    ("GET", f"{A}/stats/cards", Perm.STATS_READ),
]


@pytest.mark.parametrize("role", list(Role))
async def test_role_against_every_card_endpoint(client, role):
    staff = make_staff(f"c.{role.value}", role, "511100")
    for method, path, permission in ENDPOINTS:
        json = (
            {"quantity": 1}
            if path.endswith("additions")
            else {"batch_no": "P0"}
            if method == "POST"
            else None
        )
        response = await client.request(method, path, headers=staff.headers, json=json)
        allowed = permission in ROLE_PERMISSIONS[role]
        assert (response.status_code != 403) is allowed, f"{role} {method} {path}: {response.status_code}"
        if not allowed:
            assert response.json()["code"] == "FORBIDDEN"
    assert sql("select count(*) from card_batch") == [(0,)]


async def emei_objects(client, cast) -> dict[str, str]:
    """A stocked kiosk with a finished card, an issuance and a write-back, and a batch, in 峨眉山市."""
    k = await kiosk(client, cast.emei.headers, 1, county="511181")
    await add_blank(client, cast.emei.headers, k.device_id, 5)
    holder = person(1, "511181")
    await k.post(
        "/finished-cards",
        {"read_at": now_iso(), "cards": [{"card_no": card_no(1), "id_number": holder, "name": "张三"}]},
    )
    body = {
        "event_id": event_id(),
        "issue_type": "补卡",
        "card_no": card_no(2),
        "id_number": holder,
        "name": "张三",
    }
    await k.post("/issuances", body | {"occurred_at": now_iso()})
    report = {
        "event_id": event_id(),
        "card_no": card_no(2),
        "bank_account": "6228480000000000018",
        "chip_no": "ABCDEF01",
    }
    await k.post("/writebacks", report | {"result": "失败", "attempted_at": now_iso()})
    sql("insert into card_batch (batch_no, fetched_by, fetched_at) values ('P1', 'x', now())")
    sql(
        "insert into card_batch_item (batch_no, card_no, outlet_code, region_code)"
        " values ('P1', :c, '511181001001', '511181001')",
        c=card_no(1),
    )
    [(finished,)] = sql("select id from card_finished")
    [(issuance,)] = sql("select id from card_issuance")
    [(record,)] = sql("select id from card_writeback")
    return {
        "device": k.device_id,
        "finished": str(finished),
        "issuance": str(issuance),
        "batch": "P1",
        "writeback": str(record),
    }


ROUTES = [
    ("device", "GET", "/blank-cards/{}", None),
    ("device", "POST", "/blank-cards/{}/additions", {"quantity": 10}),
    ("device", "GET", "/blank-cards/{}/additions", None),
    ("device", "GET", "/blank-cards/{}/usages", None),
    ("finished", "GET", "/finished-cards/{}", None),
    ("issuance", "GET", "/issuances/{}", None),
    ("batch", "GET", "/card-batches/{}", None),
    ("batch", "GET", "/card-batches/{}/cards", None),
    ("writeback", "GET", "/writebacks/{}", None),
    ("writeback", "POST", "/writebacks/{}/retry", None),
]
MISSING = {
    "device": "LS-511181-9999",
    "finished": "999999",
    "issuance": "999999",
    "batch": "P404",
    "writeback": "999999",
}


def snapshot() -> list:
    tables = ("card_blank_stock", "card_blank_addition", "card_finished", "card_issuance", "card_writeback")
    return [sql(f"select * from {t} order by 1") for t in tables] + [
        sql("select * from card_writeback_attempt")
    ]


async def test_other_county_objects_are_not_found(client, cast):
    objects = await emei_objects(client, cast)
    before = snapshot()
    for kind, method, template, body in ROUTES:
        path = A + template
        other = await client.request(
            method, path.format(objects[kind]), headers=cast.shizhong.headers, json=body
        )
        absent = await client.request(
            method, path.format(MISSING[kind]), headers=cast.shizhong.headers, json=body
        )
        assert other.status_code == 404, (template, other.text)
        assert (other.status_code, other.json()) == (absent.status_code, absent.json())
        if method == "GET":  # the object is there: its own county sees it
            own = await client.get(path.format(objects[kind]), headers=cast.emei.headers)
            assert own.status_code == 200, (template, own.text)
    assert snapshot() == before
    refused = sql("select count(*) from audit_log where actor = 'szq_admin' and result = '失败'")
    assert refused == [(2 * len(ROUTES),)]
