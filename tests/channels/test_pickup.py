"""Progress details (3.1.3) through HTTP: the batch, box position and pickup outlet follow the province
into the progress JSON (ETag changes with them), the H5 page (escaped) and the pushes."""

from __future__ import annotations

import pytest

from services.base.permissions import Role
from services.channels import follow
from tests.channels.photo_support import photo_ids
from tests.channels.test_applications import APPS, OUTLET, QUEUE, key, login
from tests.services.cards_support import APPLY_SQL, CARD_DB, person
from tests.services.helpers import make_staff, sql
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
OTHER_OUTLET = "511102004002"  # 中国建设银行乐山大佛网点, the same township's bank outlet


def province_sets(sqid: str, **values: str) -> None:
    """The province changes its row (`now()` for the stage times given as 'now')."""
    sets = ", ".join(f"{c} = now()" if v == "now" else f"{c} = %({c})s" for c, v in values.items())
    with db.engine(CARD_DB).begin() as conn:
        conn.exec_driver_sql(f"update kgl_apply set {sets} where sqid = %(sqid)s", values | {"sqid": sqid})


async def submitted(client, channel, seq: int, name: str) -> tuple[dict[str, str], int, str]:
    """A 申领 accepted and approved: the resident's headers, the application ID, the province's SQID."""
    resident = await login(client, channel, person(seq), name)
    form = {"business": "申领", "phone": "13800138000", "outlet_code": OUTLET} | await photo_ids(person(seq))
    app_id = (await client.post(APPS, headers=resident | key(), json=form)).json()["application_id"]
    operator = make_staff(f"pickup_front_{seq}", Role.OPERATOR, "511102")
    county = make_staff(f"pickup_back_{seq}", Role.REGION_ADMIN, "511102")
    await client.post(f"{QUEUE}/{app_id}/accept", headers=operator.headers, json={})
    approved = await client.post(f"{QUEUE}/{app_id}/approve", headers=county.headers, json={})
    assert approved.json()["state"] == "已提交省卡管", approved.text
    return resident, app_id, approved.json()["province_ref"]


def pushes(app_id: int) -> list[dict]:
    rows = sql(
        "select payload from channel_outbox where payload->>'application_id' = :i order by created_at",
        i=str(app_id),
    )
    return [r[0] for r in rows]


async def test_batch_box_and_outlet_follow_the_province_into_progress_page_and_pushes(client, channel):
    resident, app_id, sqid = await submitted(client, channel, 711, "陈领卡")
    first = await client.get(f"{APPS}/{app_id}", headers=resident)
    data, tag = first.json(), first.headers["etag"]
    assert (data["outlet_code"], data["outlet_name"]) == (OUTLET, "大佛街道便民服务中心")
    assert data["batch_no"] is None and data["box_position"] is None and data["box_position_text"] is None

    await follow.follow_due()  # the province echoes the chosen outlet: nothing new, nothing pushed
    unchanged = await client.get(f"{APPS}/{app_id}", headers=resident | {"If-None-Match": tag})
    assert unchanged.status_code == 304
    assert len(pushes(app_id)) == 3

    province_sets(sqid, provincetime="now", batchno="PC20261208103", zxwz="1-2-3-4")
    await follow.follow_due()
    made = await client.get(f"{APPS}/{app_id}", headers=resident | {"If-None-Match": tag})
    assert made.status_code == 200 and made.json()["state"] == "制卡中"
    assert made.json()["batch_no"] == "PC20261208103" and made.json()["box_position"] == "1-2-3-4"
    assert made.json()["box_position_text"] == "第1箱第2盒第3排第4位"
    expected = {"state": "制卡中", "batch_no": "PC20261208103", "box_position": "1-2-3-4"}
    assert pushes(app_id)[-1].items() >= expected.items()

    province_sets(sqid, lkwdbm=OTHER_OUTLET)  # the province moves the pickup: pushed without a stage change
    await follow.follow_due()
    moved = await client.get(f"{APPS}/{app_id}", headers=resident | {"If-None-Match": made.headers["etag"]})
    assert moved.status_code == 200 and moved.json()["state"] == "制卡中"
    assert moved.json()["outlet_code"] == OTHER_OUTLET
    assert moved.json()["outlet_name"] == "中国建设银行乐山大佛网点"
    update = pushes(app_id)[-1]
    assert update["state"] == "制卡中" and update["outlet_code"] == OTHER_OUTLET
    assert update["note"].startswith("领卡信息更新：领卡网点 中国建设银行乐山大佛网点（511102004002）")

    province_sets(sqid, citytime="now", citysendtime="now")
    await follow.follow_due()
    ready = pushes(app_id)[-1]
    assert ready["state"] == "待领卡" and ready["todo"] is True
    assert ready["note"] == (
        "请到中国建设银行乐山大佛网点（511102004002）领卡，"
        "装箱位置 第1箱第2盒第3排第4位，制卡批次 PC20261208103"
    )
    states = ["待受理", "待审核", "已提交省卡管", "制卡中", "制卡中", "待领卡"]
    assert [p["state"] for p in pushes(app_id)] == states
    timeline = (await client.get(f"{APPS}/{app_id}", headers=resident)).json()["timeline"]
    assert timeline[-1]["to_state"] == "待领卡" and timeline[-1]["note"] == ready["note"]

    page = await client.get(f"/h5/progress/{app_id}", headers=resident)
    assert page.status_code == 200 and 'id="pickup"' in page.text
    assert '<span id="box">第1箱第2盒第3排第4位</span>' in page.text
    assert '<span id="outlet">中国建设银行乐山大佛网点（511102004002）</span>' in page.text
    assert '<span id="batch">PC20261208103</span>' in page.text

    before = (await client.get(f"{APPS}/{app_id}", headers=resident)).headers["etag"]
    sql("update channel_application set box_position = '1-2-3-5' where application_id = :a", a=app_id)
    after = await client.get(f"{APPS}/{app_id}", headers=resident | {"If-None-Match": before})
    assert after.status_code == 200 and after.json()["box_position_text"] == "第1箱第2盒第3排第5位"


async def test_details_are_escaped_and_never_taken_from_another_application(client, channel):
    resident = await login(client, channel, person(712), "郑转义")
    form = {"business": "申领", "phone": "13800138000", "outlet_code": OUTLET} | await photo_ids(person(712))
    app_id = (await client.post(APPS, headers=resident | key(), json=form)).json()["application_id"]
    with db.engine(CARD_DB).begin() as conn:  # an older application of the same person, made long ago
        old = ("SQ20200101000001", person(712), "郑转义", "2020-01-01 09:00:00", "PC20200101103", "7-7-7-7")
        conn.exec_driver_sql(APPLY_SQL, (*old, None, "511181001001", "旧网点", "2020-01-01 09:00:00"))
        conn.exec_driver_sql("update kgl_apply set provincetime = applytime where sqid = %s", (old[0],))
    operator = make_staff("escape_front", Role.OPERATOR, "511102")
    synced = await client.post(f"{QUEUE}/{app_id}/sync", headers=operator.headers, json={})
    assert synced.status_code == 200 and synced.json()["state"] == "待受理"
    assert synced.json()["batch_no"] is None and synced.json()["outlet_code"] == OUTLET

    county = make_staff("escape_back", Role.REGION_ADMIN, "511102")
    await client.post(f"{QUEUE}/{app_id}/accept", headers=operator.headers, json={})
    approved = await client.post(f"{QUEUE}/{app_id}/approve", headers=county.headers, json={})
    sqid = approved.json()["province_ref"]
    province_sets(sqid, provincetime="now", batchno="<b>B</b>", zxwz="<i>1</i>", lkwdbm="<s>x</s>")
    synced = await client.post(f"{QUEUE}/{app_id}/sync", headers=operator.headers, json={})
    assert synced.json()["state"] == "制卡中" and synced.json()["batch_no"] == "<b>B</b>"
    data = (await client.get(f"{APPS}/{app_id}", headers=resident)).json()
    assert data["box_position_text"] == "<i>1</i>" and data["outlet_code"] == "<s>x</s>"
    assert data["outlet_name"] is None

    page = (await client.get(f"/h5/progress/{app_id}", headers=resident)).text
    for raw in ("<b>B</b>", "<i>1</i>", "<s>x</s>"):
        escaped = raw.replace("<", "&lt;").replace(">", "&gt;")
        assert raw not in page and escaped in page
    assert '<span id="outlet">&lt;s&gt;x&lt;/s&gt;</span>' in page  # an unknown outlet: its code alone
