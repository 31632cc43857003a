"""The resident progress query (API and H5 page): one round trip, owner only, ETag / If-None-Match → 304."""

from __future__ import annotations

import pytest

from simulators.channel_idp import IdentityProvider
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
APPS = "/api/v1/channels/applications"


async def _login(client, idp: IdentityProvider, id_number: str, name: str) -> dict[str, str]:
    opened = await client.post(
        "/api/v1/channels/sessions", json={"assertion": idp.assertion(id_number, name)}
    )
    assert opened.status_code == 201, opened.text
    return {"Authorization": f"Bearer {opened.json()['token']}"}


def _application(person_token: str) -> int:
    (app_id,) = sql(
        "insert into channel_application (idempotency_key, business, state, open, channel_id, region_code,"
        " person_token, id_masked, name_masked, form_cipher, form_public, created_at, updated_at)"
        " values ('progress-test-0001', '申领', '待审核', true, 'tfth', '511102', :p, '1101**********002X',"
        " '张*', 'x', '{}', now(), now()) returning application_id",
        p=person_token,
    )[0]
    for before, after in ((None, "待受理"), ("待受理", "待审核")):
        _event(app_id, before, after)
    return app_id


def _event(app_id: int, before: str | None, after: str) -> None:
    sql(
        "insert into channel_application_event (application_id, from_state, to_state, actor, note, at)"
        " values (:a, :f, :t, 'system', '<b>备注</b>', now())",
        a=app_id,
        f=before,
        t=after,
    )


async def test_progress_is_owned_cached_by_etag_and_refused_without_a_session(client, sysadmin):
    idp = IdentityProvider("tfth")
    body = {"channel_id": "tfth", "name": "天府通办", "channel_class": "政府渠道", "tier": 1,
            "region_code": "511100", "idp_public_key": idp.public_key}  # fmt: skip
    assert (
        await client.post("/api/v1/admin/channels", headers=sysadmin.headers, json=body)
    ).status_code == 201
    owner = await _login(client, idp, "11010519491231002X", "张三")
    (token,) = sql("select person_token from channel_resident_session")[0]
    app_id = _application(token)

    first = await client.get(f"{APPS}/{app_id}", headers=owner)
    assert first.status_code == 200, first.text
    data = first.json()
    assert data["application_id"] == app_id and data["state"] == "待审核" and data["name_masked"] == "张*"
    assert [e["to_state"] for e in data["timeline"]] == ["待受理", "待审核"]
    assert data["timeline"][0]["from_state"] is None and data["timeline"][1]["note"] == "<b>备注</b>"
    tag = first.headers["etag"]

    unchanged = await client.get(f"{APPS}/{app_id}", headers=owner | {"If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == tag

    _event(app_id, "待审核", "已提交省卡管")
    sql(
        "update channel_application set state = '已提交省卡管', updated_at = now() where application_id = :a",
        a=app_id,
    )
    moved = await client.get(f"{APPS}/{app_id}", headers=owner | {"If-None-Match": tag})
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    assert [e["to_state"] for e in moved.json()["timeline"]][-1] == "已提交省卡管"

    stranger = await _login(client, idp, "110105194912310038", "李四")
    refused = await client.get(f"{APPS}/{app_id}", headers=stranger)
    assert refused.status_code == 404 and refused.json()["code"] == "NOT_FOUND"
    assert (await client.get(f"{APPS}/{app_id + 1}", headers=owner)).status_code == 404

    page = await client.get(f"/h5/progress/{app_id}", headers=owner)  # the H5 page: the same one query
    assert page.status_code == 200 and "已提交省卡管" in page.text and "申领" in page.text
    assert "&lt;b&gt;备注&lt;/b&gt;" in page.text and "<b>备注</b>" not in page.text
    assert (await client.get(f"/h5/progress/{app_id}", headers=stranger)).status_code == 404
    assert (await client.get(f"/h5/progress/{app_id}")).status_code == 401
    anonymous = await client.get(f"{APPS}/{app_id}")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "RESIDENT_UNAUTHENTICATED"
    forged = await client.get(f"{APPS}/{app_id}", headers={"Authorization": "Bearer r.not-a-session"})
    assert forged.status_code == 401 and forged.json()["code"] == "RESIDENT_SESSION_EXPIRED"
    sql("update channel_resident_session set expires_at = now() - interval '1 minute'")
    expired = await client.get(f"{APPS}/{app_id}", headers=owner)
    assert expired.status_code == 401 and expired.json()["code"] == "RESIDENT_SESSION_EXPIRED"
