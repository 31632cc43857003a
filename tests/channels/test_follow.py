"""Applications waiting on the province follow its stages by themselves (`channels.follow`): the
card made → 制卡中, sent to the outlet → 待领卡, each step pushed; nothing moves before the province."""

from __future__ import annotations

import pytest

from services.base.permissions import Role
from services.channels import follow
from tests.channels.photo_support import photo_ids
from tests.channels.test_applications import APPS, OUTLET, QUEUE, key, login
from tests.services.cards_support import CARD_DB, person
from tests.services.helpers import make_staff, sql
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def province_reaches(name: str, *columns: str) -> None:
    with db.engine(CARD_DB).begin() as conn:
        sets = ", ".join(f"{c} = now()" for c in columns)
        conn.exec_driver_sql(f"update kgl_apply set {sets} where aac003 = %s", (name,))


async def test_a_submitted_application_follows_the_province_without_staff(client, channel):
    resident = await login(client, channel, person(701), "冯跟进")
    form = {"business": "申领", "phone": "13800138000", "outlet_code": OUTLET} | await photo_ids(person(701))
    app_id = (await client.post(APPS, headers=resident | key(), json=form)).json()["application_id"]
    operator = make_staff("follow_front", Role.OPERATOR, "511102")
    county = make_staff("follow_back", Role.REGION_ADMIN, "511102")
    assert (
        await client.post(f"{QUEUE}/{app_id}/accept", headers=operator.headers, json={})
    ).status_code == 200
    approved = await client.post(f"{QUEUE}/{app_id}/approve", headers=county.headers, json={})
    assert approved.json()["state"] == "已提交省卡管", approved.text

    def state() -> str:
        return sql("select state from channel_application where application_id = :i", i=app_id)[0][0]

    await follow.follow_due()
    assert state() == "已提交省卡管"  # the province has not made the card yet
    province_reaches("冯跟进", "provincetime")
    await follow.follow_due()
    assert state() == "制卡中"
    province_reaches("冯跟进", "citytime", "citysendtime")
    counts = await follow.follow_due()
    assert state() == "待领卡" and counts["moved"] >= 1
    await follow.follow_due()
    assert state() == "待领卡"  # nothing more until the resident collects the card
    timeline = (await client.get(f"{APPS}/{app_id}", headers=resident)).json()["timeline"]
    assert [(e["to_state"], e["actor"]) for e in timeline][3:] == [("制卡中", "system"), ("待领卡", "system")]
    pushed = sql(
        "select payload->>'state' from channel_outbox where payload->>'application_id' = :i"
        " order by created_at",
        i=str(app_id),
    )
    assert [p[0] for p in pushed] == ["待受理", "待审核", "已提交省卡管", "制卡中", "待领卡"]
