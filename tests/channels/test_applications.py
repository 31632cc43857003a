"""Online applications through HTTP against the provincial card system simulator (real HTTP)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.base.permissions import Role
from simulators.channel_idp import IdentityProvider
from tests.channels.photo_support import photo_ids
from tests.services.cards_support import CARD_DB, card_no, person
from tests.services.helpers import make_staff, sql
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
APPS, QUEUE = "/api/v1/channels/applications", "/api/v1/admin/channel-applications"
OUTLET = "511102004001"


async def login(client, idp: IdentityProvider, id_number: str, name: str) -> dict[str, str]:
    opened = await client.post(
        "/api/v1/channels/sessions", json={"assertion": idp.assertion(id_number, name)}
    )
    assert opened.status_code == 201, opened.text
    return {"Authorization": f"Bearer {opened.json()['token']}"}


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def province_status(card: str) -> str:
    with db.engine(CARD_DB).connect() as conn:
        return conn.exec_driver_sql("select aaz502 from kgl_card where aaz500 = %s", (card,)).scalar()


async def test_apply_accept_approve_reaches_the_card_system(client, channel):
    resident = await login(client, channel, person(201), "钱多多")
    form = {"business": "申领", "phone": "13800138000", "outlet_code": OUTLET} | await photo_ids(person(201))
    idem = key()
    first = await client.post(APPS, headers=resident | idem, json=form)
    assert first.status_code == 201, first.text
    again = await client.post(APPS, headers=resident | idem, json=form)
    assert again.status_code == 200 and again.json()["application_id"] == first.json()["application_id"]
    app_id = first.json()["application_id"]
    operator = make_staff("szq_front", Role.OPERATOR, "511102")
    county = make_staff("szq_back", Role.REGION_ADMIN, "511102")
    emei = make_staff("em_back", Role.REGION_ADMIN, "511181")
    early = await client.post(f"{QUEUE}/{app_id}/approve", headers=county.headers, json={})
    assert early.status_code == 409 and early.json()["code"] == "TRANSITION_NOT_ALLOWED"
    denied = await client.post(f"{QUEUE}/{app_id}/approve", headers=operator.headers, json={})
    assert denied.status_code == 403
    queued = (await client.get(QUEUE, headers=operator.headers, params={"state": "待受理"})).json()
    assert [a["application_id"] for a in queued["items"]] == [app_id]
    assert (await client.get(QUEUE, headers=emei.headers)).json()["total"] == 0
    assert (
        await client.post(f"{QUEUE}/{app_id}/accept", headers=operator.headers, json={})
    ).status_code == 200
    approved = await client.post(f"{QUEUE}/{app_id}/approve", headers=county.headers, json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "已提交省卡管" and approved.json()["province_ref"]
    with db.engine(CARD_DB).connect() as conn:
        assert conn.exec_driver_sql("select count(*) from kgl_apply where aac003 = '钱多多'").scalar() == 1
    progress = (await client.get(f"{APPS}/{app_id}", headers=resident)).json()
    assert [e["to_state"] for e in progress["timeline"]] == ["待受理", "待审核", "已提交省卡管"]
    assert sql("select count(*) from channel_outbox where status = '待发'") == [(3,)]
    with db.engine(CARD_DB).begin() as conn:  # the province makes the card and sends it to the outlet
        conn.exec_driver_sql(
            "update kgl_apply set provincetime = now(), citytime = now(), citysendtime = now()"
            " where aac003 = '钱多多'"
        )
    synced = await client.post(f"{QUEUE}/{app_id}/sync", headers=operator.headers, json={})
    assert synced.status_code == 200 and synced.json()["state"] == "待领卡", synced.text
    collected = await client.post(f"{QUEUE}/{app_id}/collect", headers=operator.headers, json={})
    assert collected.json()["state"] == "已办结" and collected.json()["open"] is False
    progress = (await client.get(f"{APPS}/{app_id}", headers=resident)).json()
    assert [e["to_state"] for e in progress["timeline"]][3:] == ["制卡中", "待领卡", "已办结"]
    assert sql("select count(*) from channel_outbox") == [(6,)]
    other = await login(client, channel, person(202), "孙二")
    assert (await client.get(f"{APPS}/{app_id}", headers=other)).status_code == 404
    audited = sql(
        "select action from audit_log where object_type = 'channel_application'"
        " and result = '成功' order by seq"
    )
    assert [a for (a,) in audited] == [
        "线上申领",
        "前台受理",
        "后台审核通过",
        "同步省卡管制卡进度",
        "确认领卡",
    ]


async def test_every_refusal_carries_its_reason(client, channel):
    holder = await login(client, channel, person(101), "王小明")
    refusals = {
        "申领": "ALREADY_HAS_CARD",
        "补卡": "NOT_ELIGIBLE",
        "解挂": "NOT_ELIGIBLE",
    }
    for business, code in refusals.items():
        answer = await client.post(APPS, headers=holder | key(), json={"business": business})
        assert (answer.status_code, answer.json()["code"]) == (409, code), business
        assert answer.json()["message"]
    minor = await login(client, channel, person(301, born="20150601"), "小朋友")
    alone = await client.post(APPS, headers=minor | key(), json={"business": "申领"})
    assert (alone.status_code, alone.json()["code"]) == (422, "GUARDIAN_REQUIRED")
    bad_guardian = {
        "business": "申领",
        "guardian_id_type": "居民身份证",
        "guardian_id_number": "110105194912310021",
        "guardian_name": "家长",
    }
    assert (await client.post(APPS, headers=minor | key(), json=bad_guardian)).json()[
        "code"
    ] == "GUARDIAN_ID_INVALID"
    script = await client.post(
        APPS, headers=minor | key(), json={"business": "申领", "address": "<script>x</script>"}
    )
    assert script.status_code == 422
    guarded = bad_guardian | {"guardian_id_number": person(302, born="19850101")}
    guarded |= await photo_ids(person(301, born="20150601"))
    assert (await client.post(APPS, headers=minor | key(), json=guarded)).status_code == 201
    assert (await client.post(APPS, json={"business": "申领"}, headers=key())).status_code == 401
    assert sql("select count(*) from channel_application") == [(1,)]


async def test_two_simultaneous_applications_one_accepted(client, channel):
    resident = await login(client, channel, person(401), "周同时")
    form = {"business": "申领"} | await photo_ids(person(401))
    sends = (client.post(APPS, headers=resident | key(), json=form) for _ in range(5))
    answers = await asyncio.gather(*sends)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409, 409]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"APPLICATION_OPEN"}
    assert sql("select count(*) from channel_application") == [(1,)]


async def test_loss_report_and_unreport_reach_the_card_system(client, channel):
    holder = await login(client, channel, person(105), "赵大")
    card = card_no(103)
    with db.engine(CARD_DB).begin() as conn:  # activated (正常) before it can be reported lost
        conn.exec_driver_sql("update kgl_card set aaz502 = '1' where aaz500 = %s", (card,))
    lost = await client.post(APPS, headers=holder | key(), json={"business": "临时挂失"})
    assert lost.status_code == 201 and lost.json()["state"] == "已办结" and lost.json()["card_no"] == card
    assert province_status(card) == "4"  # 临时挂失
    found = await client.post(APPS, headers=holder | key(), json={"business": "解挂", "card_no": card})
    assert found.status_code == 201 and found.json()["state"] == "已办结"
    assert province_status(card) == "1"  # 正常
    flows = (await client.get("/api/v1/channels/flows")).json()
    assert flows["临时挂失"]["start"] == "待提交省卡管" and "待受理" in flows["申领"]["states"]
