"""H5 pages over HTTP: enter with an assertion, apply, progress, loss report, Q&A; everything escaped."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.channels.photo_support import photo_ids
from tests.services.cards_support import person
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
SCRIPT = "<script>alert(1)</script>"


async def enter(client, idp, id_number: str, name: str) -> None:
    entered = await client.get(f"/h5/enter?assertion={quote(idp.assertion(id_number, name))}")
    assert entered.status_code == 303 and entered.headers["location"] == "/h5/"
    cookie = entered.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    client.cookies.set("ykt_resident", entered.cookies["ykt_resident"])


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


async def test_apply_through_the_pages_and_follow_progress(client, channel):
    await enter(client, channel, person(501), "吴网页")
    try:
        home = await client.get("/h5/")
        assert home.status_code == 200 and "吴网页" in home.text and "暂无业务" in home.text
        page = (await client.get("/h5/apply?business=申领")).text
        form = {"csrf": hidden(page, "csrf"), "idempotency_key": hidden(page, "idempotency_key"),
                "business": "申领", "phone": "13800138000", "outlet_code": "511102004001"}  # fmt: skip
        form |= await photo_ids(person(501))
        forged = await client.post("/h5/apply", data=form | {"csrf": "0" * 40})
        assert forged.status_code == 403
        bad = await client.post("/h5/apply", data=form | {"address": SCRIPT, "phone": "12"})
        assert bad.status_code == 422 and SCRIPT not in bad.text and "手机号码" in bad.text
        assert "&lt;script&gt;" in bad.text
        sent = await client.post("/h5/apply", data=form)
        assert sent.status_code == 303, sent.text
        twice = await client.post("/h5/apply", data=form)
        assert twice.headers["location"] == sent.headers["location"]
        progress = await client.get(sent.headers["location"])
        assert progress.status_code == 200 and 'id="state">待受理<' in progress.text
        assert sql("select count(*) from channel_application") == [(1,)]
        loss = await client.get("/h5/loss")
        assert loss.status_code == 200 and "临时挂失" in loss.text
        answer = await client.get("/h5/qa", params={"q": f"社保卡丢了怎么办{SCRIPT}"})
        assert answer.status_code == 200 and SCRIPT not in answer.text and 'id="answer"' in answer.text
    finally:
        client.cookies.clear()


async def test_pages_need_a_resident_session(client, channel):
    assert (await client.get("/h5/")).status_code == 401
