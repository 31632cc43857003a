"""Channel registration, SM2 real-name assertions → resident sessions, and outbox delivery."""

from __future__ import annotations

import httpx
import pytest

from services.base import db as base_db
from services.channels import outbox
from simulators import channel_push
from simulators.channel_idp import IdentityProvider
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
PERSON, NAME = "11010519491231002X", "张三"


async def register(client, admin, idp: IdentityProvider, **extra) -> httpx.Response:
    body = {
        "channel_id": idp.channel_id,
        "name": "天府通办",
        "channel_class": "政府渠道",
        "tier": 1,
        "region_code": "511100",
        "idp_public_key": idp.public_key,
        "push_url": "http://push.test/push",
    } | extra
    return await client.post("/api/v1/admin/channels", headers=admin.headers, json=body)


async def test_an_assertion_opens_a_session_once(client, sysadmin):
    idp = IdentityProvider("tfth")
    assert (await register(client, sysadmin, idp, rate_limit_per_min=2)).status_code == 201
    assertion = idp.assertion(PERSON, NAME)
    opened = await client.post("/api/v1/channels/sessions", json={"assertion": assertion})
    assert opened.status_code == 201, opened.text
    assert opened.json()["id_masked"] != PERSON and PERSON not in str(
        sql("select * from channel_resident_session")
    )
    replay = await client.post("/api/v1/channels/sessions", json={"assertion": assertion})
    assert replay.json()["code"] == "ASSERTION_REPLAYED"
    forged = IdentityProvider("tfth").assertion(PERSON, NAME)
    assert (await client.post("/api/v1/channels/sessions", json={"assertion": forged})).json()["code"] == (
        "ASSERTION_SIGNATURE_INVALID"
    )
    expired = idp.assertion(PERSON, NAME, now=1_700_000_000)
    assert (await client.post("/api/v1/channels/sessions", json={"assertion": expired})).json()["code"] == (
        "ASSERTION_EXPIRED"
    )
    assert (await client.post("/api/v1/channels/sessions", json={"assertion": "abcdefgh.ijkl.mnop"})).json()[
        "code"
    ] == "ASSERTION_MALFORMED"
    await client.post("/api/v1/channels/sessions", json={"assertion": idp.assertion(PERSON, NAME)})
    limited = await client.post("/api/v1/channels/sessions", json={"assertion": idp.assertion(PERSON, NAME)})
    assert limited.status_code == 429 and limited.json()["code"] == "RATE_LIMITED"
    token = opened.json()["token"]
    mine = await client.get("/api/v1/channels/applications", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and mine.json() == []


async def test_a_tier_two_channel_needs_a_tier_one_parent(client, sysadmin):
    child = IdentityProvider("bank1")
    refused = await register(client, sysadmin, child, tier=2, channel_class="银行渠道")
    assert refused.status_code == 409 and refused.json()["code"] == "PARENT_REQUIRED"
    assert sql("select count(*) from channel") == [(0,)]


async def test_the_outbox_retries_until_delivered_once(client, sysadmin):
    await register(client, sysadmin, IdentityProvider("tfth"))
    async with base_db.sessionmaker()() as session:
        message_id = await outbox.enqueue(session, "tfth", "业务进度", "someone", {"state": "待受理"})
        await session.commit()
    receiver = channel_push.create_app(fail_first=2)
    transport = httpx.ASGITransport(app=receiver)
    passes = []
    for _ in range(4):
        sql("update channel_outbox set next_attempt_at = now() - interval '1 second' where status = '待发'")
        passes.append(await outbox.deliver_due(transport))
    assert [p["sent"] for p in passes] == [0, 0, 1, 0] and [p["retry"] for p in passes] == [1, 1, 0, 0]
    assert list(receiver.state.received) == [message_id] and receiver.state.calls == 3
    assert sql("select status, attempts from channel_outbox") == [("已发", 3)]
