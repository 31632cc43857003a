"""The stewards' web page through HTTP: login with a session token, search, edit with CSRF, history,
request approval; refusals without a session or with a forged form."""

from __future__ import annotations

import re

import pytest

from tests.catalog.conftest import entry_id
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def login(client, staff) -> None:
    token = staff.headers["Authorization"].removeprefix("Bearer ")
    response = await client.post("/catalog/session", data={"token": token})
    assert response.status_code == 303 and response.headers["location"] == "/catalog"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


async def test_login_form_is_served_in_chinese(client):
    response = await client.get("/catalog/login")
    assert response.status_code == 200 and "会话令牌" in response.text and "ykt api login" in response.text


async def test_pages_need_a_session(client):
    response = await client.get("/catalog")
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHENTICATED"
    forged = await client.post("/catalog/session", data={"token": "forged.token"})
    assert forged.status_code == 401 and "set-cookie" not in forged.headers


async def test_steward_searches_edits_and_sees_history(client, synced, steward):
    await login(client, steward)
    listing = await client.get("/catalog", params={"q": "person", "kind": "silver"})
    assert listing.status_code == 200 and "silver.person" in listing.text and "共 1 条" in listing.text
    eid = await entry_id(client, steward.headers, "silver.person")
    page = await client.get(f"/catalog/entries/{eid}")
    assert page.status_code == 200 and "血缘" in page.text and "bronze.insurance__qmcb_person" in page.text
    form = {
        "csrf": csrf_of(page.text),
        "description": "人员黄金记录",
        "owner": "市人社局信息中心",
        "sensitivity": "去标识化",
        "openness": "有条件开放",
        "update_frequency": "每日",
    }
    saved = await client.post(f"/catalog/entries/{eid}", data=form)
    assert saved.status_code == 303
    after = await client.get(saved.headers["location"])
    assert "已保存" in after.text and "市人社局信息中心" in after.text
    assert "人员黄金记录" in after.text.split("变更历史")[1]
    assert {r.field for r in sql("select field from catalog_change where actor = 'steward'")} == {
        "description",
        "owner",
    }


async def test_forged_or_bad_forms_change_nothing(client, synced, steward):
    await login(client, steward)
    eid = await entry_id(client, steward.headers, "silver.card")
    forged = await client.post(f"/catalog/entries/{eid}", data={"csrf": "0" * 40, "owner": "x"})
    assert forged.status_code == 403 and forged.json()["code"] == "FORBIDDEN"
    page = await client.get(f"/catalog/entries/{eid}")
    bad = await client.post(
        f"/catalog/entries/{eid}", data={"csrf": csrf_of(page.text), "openness": "半开放"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "VALIDATION_ERROR"
    assert sql("select count(*) from catalog_change where actor = 'steward'")[0][0] == 0


async def test_steward_approves_a_request_on_the_page(client, synced, steward, analyst):
    eid = await entry_id(client, steward.headers, "silver.person")
    body = {
        "entry_id": eid,
        "department": "YBJ",
        "columns": ["region_code"],
        "valid_until": "2099-12-31",
        "purpose": "参保地统计",
    }
    rid = (await client.post("/api/v1/admin/catalog/requests", headers=analyst.headers, json=body)).json()[
        "id"
    ]
    await login(client, steward)
    page = await client.get("/catalog/requests")
    assert page.status_code == 200 and "待审批" in page.text and "乐山市医疗保障局" in page.text
    done = await client.post(
        f"/catalog/requests/{rid}", data={"csrf": csrf_of(page.text), "decision": "approve", "reason": "同意"}
    )
    assert done.status_code == 303
    assert sql("select status from catalog_request")[0][0] == "已批准"
    assert sql("select department, columns from catalog_grant") == [("YBJ", ["region_code"])]


async def test_analysts_read_but_cannot_edit_or_approve(client, synced, analyst):
    await login(client, analyst)
    eid = await entry_id(client, analyst.headers, "silver.card")
    page = await client.get(f"/catalog/entries/{eid}")
    assert page.status_code == 200 and '<form method="post"' not in page.text
    assert (await client.get("/catalog/requests")).status_code == 403
