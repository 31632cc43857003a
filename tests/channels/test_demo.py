"""The `make run` demo: the stage registers the channel, picks a resident who may apply and writes the
images; `/h5/demo-login` enters as that resident, who applies through the H5 form with those images."""

from __future__ import annotations

import json
import re
import socket
import urllib.request

import pytest

from services.channels import demo
from simulators import channel_push
from simulators.sources import card_system
from tests.services.cards_support import CARD_DB
from tests.services.helpers import sql
from yikatong.settings import get_settings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_the_demo_resident_applies_through_the_h5_form(
    client, province, registries, tmp_path, monkeypatch
):
    monkeypatch.setattr(get_settings(), "home", tmp_path)
    monkeypatch.setattr(card_system, "DATABASE", CARD_DB)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setattr(get_settings(), "channel_push_port", sock.getsockname()[1])
    try:
        line = demo.stage_channels()
        assert "/h5/demo-login" in line and "szq_operator" in line
        assert f"{channel_push.local_url()} 已启动" in line  # the channel's push interface is served
        with urllib.request.urlopen(channel_push.local_url()) as answer:
            assert json.load(answer)["total"] == 0
        assert sql("select push_url from channel where channel_id = 'tfth'") == [(channel_push.local_url(),)]
        resident = json.loads((tmp_path / "demo-resident" / "resident.json").read_text())
        assert resident["id_number"] not in line  # masked in what `make run` prints
        assert sql("select role from staff_user where username = 'szq_operator'") == [("operator",)]
        again = demo.stage_channels()  # a second `make run`: same channel, resident and keys
        assert again.replace("已在运行", "已启动") == line
    finally:
        channel_push.PUSH.stop()
    entered = await client.get("/h5/demo-login", follow_redirects=True)
    assert entered.status_code == 200, entered.text
    try:
        page = (await client.get("/h5/apply?business=申领")).text
        token = {
            k: re.search(rf'name="{k}" value="([^"]+)"', page).group(1) for k in ("csrf", "idempotency_key")
        }
        folder = tmp_path / "demo-resident"
        files = {"id_image": ("id.jpg", (folder / "id-card.jpg").read_bytes(), "image/jpeg"),
                 "photo": ("me.jpg", (folder / "photo.jpg").read_bytes(), "image/jpeg")}  # fmt: skip
        form = token | {"business": "申领", "outlet_code": "511102004001"}
        sent = await client.post("/h5/apply", data=form, files=files)
        assert sent.status_code == 303, re.findall(r'id="error">([^<]+)', sent.text)
        assert sql("select business, state from channel_application") == [("申领", "待受理")]
    finally:
        client.cookies.clear()
