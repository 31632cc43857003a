"""成品卡（upload, pickup by holder or agent）and 发卡记录（领卡 / 补卡 / 换卡）through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.cards_support import add_blank, card_no, event_id, kiosk, now_iso, person
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
FINISHED, ISSUANCES = "/api/v1/admin/finished-cards", "/api/v1/admin/issuances"
AGENT = {"id_number": "440524188001010014", "name": "欧阳娜娜", "phone": "13800138000"}


def card(seq: int, **extra) -> dict:
    return {"card_no": card_no(seq), "id_number": person(seq), "name": "张三丰", **extra}


async def upload(k, *cards, read_at=None):
    return await k.post("/finished-cards", {"read_at": read_at or now_iso(), "cards": list(cards)})


def pickup_body(result="领卡成功", by="本人", **extra) -> dict:
    body = {"event_id": event_id(), "result": result, "pickup_by": by, "occurred_at": now_iso()}
    return body | extra


async def test_uploaded_cards_wait_with_an_empty_out_time(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    response = await upload(k, card(1, batch_no="P20261120001", box_position="1-2-3-1"), card(2))
    assert response.status_code == 200, response.text
    assert [r["outcome"] for r in response.json()["results"]] == ["新增", "新增"]
    again = await upload(k, card(1))
    assert again.json()["results"][0]["outcome"] == "未变更"
    page = (await client.get(f"{FINISHED}?state=待领", headers=cast.shizhong.headers)).json()
    assert page["total"] == 2
    first = next(c for c in page["items"] if c["card_no"] == card_no(1))
    assert first["state"] == "待领" and first["picked_up_at"] is None and first["box_position"] == "1-2-3-1"
    assert first["holder_id_masked"] == person(1)[:6] + "********" + person(1)[-4:]
    assert first["holder_name_masked"] == "张**" and first["outlet_name"]
    stored = str(sql("select * from card_finished"))
    assert person(1) not in stored and "张三丰" not in stored  # blind index + ciphertext + mask only


async def test_pickup_by_the_holder_fills_the_out_time_and_records_an_issuance(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await upload(k, card(1))
    wrong = await k.post(f"/finished-cards/{card_no(1)}/pickup", pickup_body(holder_id_number=person(3)))
    assert wrong.status_code == 409 and wrong.json()["code"] == "HOLDER_MISMATCH"
    body = pickup_body(holder_id_number=person(1))
    done = await k.post(f"/finished-cards/{card_no(1)}/pickup", body)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "领卡成功" and done.json()["picked_up_at"] and not done.json()["duplicate"]
    resent = await k.post(f"/finished-cards/{card_no(1)}/pickup", body)
    assert resent.json()["duplicate"] is True
    twice = await k.post(f"/finished-cards/{card_no(1)}/pickup", pickup_body(holder_id_number=person(1)))
    assert twice.status_code == 409 and twice.json()["code"] == "CARD_ALREADY_PICKED_UP"
    records = (await client.get(f"{ISSUANCES}?issue_type=领卡", headers=cast.shizhong.headers)).json()
    assert records["total"] == 1 and records["items"][0]["card_no"] == card_no(1)
    assert records["items"][0]["pickup_by"] == "本人"
    assert sql("select count(*) from card_pickup") == [(1,)]
    reupload = await upload(k, card(1))
    assert reupload.json()["results"][0] == {
        "card_no": card_no(1),
        "outcome": "拒绝",
        "reason": "该卡已领取出库",
    }


async def test_pickup_by_an_agent_needs_valid_agent_details(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await upload(k, card(1))
    path = f"/finished-cards/{card_no(1)}/pickup"
    cases = [
        (pickup_body(by="代领"), "代领须填写"),
        (pickup_body(by="代领", agent=AGENT | {"id_number": "440524188001010015"}), "校验码错误"),
        (pickup_body(by="代领", agent=AGENT | {"phone": "12345"}), "手机号码"),
        (pickup_body(by="代领", agent={k: v for k, v in AGENT.items() if k != "name"}), "必填"),
        (pickup_body(by="代领", agent=AGENT | {"name": "<script>"}), "姓名"),
        (pickup_body(result="领卡失败", holder_id_number=person(1)), "说明原因"),
    ]
    for body, message in cases:
        response = await k.post(path, body)
        assert response.status_code == 422, (body, response.text)
        assert message in str(response.json()["detail"]), response.text
    holder_as_agent = await k.post(path, pickup_body(by="代领", agent=AGENT | {"id_number": person(1)}))
    assert holder_as_agent.json()["code"] == "AGENT_IS_HOLDER"
    assert sql("select count(*) from card_pickup") == [(0,)]
    assert sql("select state from card_finished") == [("待领",)]
    done = await k.post(path, pickup_body(by="代领", agent=AGENT))
    assert done.json()["state"] == "领卡成功"
    stored = str(sql("select * from card_pickup"))
    assert AGENT["id_number"] not in stored and AGENT["phone"] not in stored and AGENT["name"] not in stored
    [item] = (await client.get(FINISHED, headers=cast.shizhong.headers)).json()["items"]
    detail = (await client.get(f"{FINISHED}/{item['id']}", headers=cast.shizhong.headers)).json()
    [pickup] = detail["pickups"]
    assert pickup["agent_id_masked"] == "440524********0014" and pickup["agent_phone_masked"] == "138****8000"
    assert pickup["agent_name_masked"] == "欧阳**" and detail["pickup_by"] == "代领"


async def test_failed_pickup_keeps_the_card_in_the_device(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    other = await kiosk(client, cast.shizhong.headers, 2)
    await upload(k, card(1))
    elsewhere = await other.post(
        f"/finished-cards/{card_no(1)}/pickup", pickup_body(holder_id_number=person(1))
    )
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "CARD_NOT_IN_DEVICE"
    failed = pickup_body(result="领卡失败", holder_id_number=person(1), reason="人脸比对未通过")
    response = await k.post(f"/finished-cards/{card_no(1)}/pickup", failed)
    assert response.json() | {"picked_up_at": None} == {
        "card_no": card_no(1),
        "state": "领卡失败",
        "picked_up_at": None,
        "duplicate": False,
    }
    assert sql("select state, picked_up_at, failure_reason from card_finished") == [
        ("领卡失败", None, "人脸比对未通过")
    ]
    assert sql("select count(*) from card_issuance") == [(0,)]
    moved = await upload(other, card(1))  # taken out and put into another kiosk
    assert moved.json()["results"][0]["outcome"] == "转入"
    ok = await other.post(f"/finished-cards/{card_no(1)}/pickup", pickup_body(holder_id_number=person(1)))
    assert ok.json()["state"] == "领卡成功"
    clash = await upload(k, card(1, id_number=person(5)))
    assert clash.json()["results"][0]["reason"] == "卡号已登记为其他持卡人的卡"


async def test_bad_uploads_write_nothing(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    cases = [
        [card(1, id_number="511102198001010010")],  # wrong check digit
        [card(1, card_no="123")],
        [card(1, name="")],
        [card(1), card(1)],
        [],
        [card(i) for i in range(1, 102)],
    ]
    for cards in cases:
        response = await upload(k, *cards)
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR", response.text
    future = await upload(k, card(1), read_at=now_iso(timedelta(hours=2)))
    assert future.status_code == 422
    assert sql("select count(*) from card_finished") == [(0,)]


async def test_replacement_and_exchange_use_a_blank_card(client, cast):
    k = await kiosk(client, cast.shizhong.headers, 1)
    await add_blank(client, cast.shizhong.headers, k.device_id, 1)
    body = {
        "event_id": event_id(),
        "issue_type": "补卡",
        "card_no": card_no(7),
        "old_card_no": card_no(6),
        "id_number": person(7),
        "name": "李四",
        "occurred_at": now_iso(),
    }
    made = await k.post("/issuances", body)
    assert made.status_code == 200, made.text
    assert made.json()["balance"]["remaining"] == 0 and made.json()["issue_type"] == "补卡"
    assert (await k.post("/issuances", body)).json()["balance"]["duplicate"] is True
    empty = await k.post(
        "/issuances", body | {"event_id": event_id(), "issue_type": "换卡", "card_no": card_no(8)}
    )
    assert empty.status_code == 409 and empty.json()["code"] == "STOCK_INSUFFICIENT"
    assert sql("select issue_type, card_no from card_issuance") == [("补卡", card_no(7))]
    assert sql("select usage, card_no, reason from card_blank_usage") == [("制卡", card_no(7), "补卡")]
    bad = await k.post("/issuances", body | {"event_id": event_id(), "issue_type": "领卡"})
    assert bad.status_code == 422
    assert sql("select count(*) from card_issuance") == [(1,)]


async def test_issuance_query_conditions(client, cast):
    shizhong = await kiosk(client, cast.shizhong.headers, 1)  # outlet 511102004002
    other = await kiosk(client, cast.shizhong.headers, 2)  # outlet 511102006001
    emei = await kiosk(client, cast.emei.headers, 1, county="511181")
    for k, headers in ((shizhong, cast.shizhong), (other, cast.shizhong), (emei, cast.emei)):
        await add_blank(client, headers.headers, k.device_id, 5)
    events = [
        (shizhong, "补卡", 1, -3),
        (shizhong, "换卡", 2, -1),
        (other, "换卡", 3, -1),
        (emei, "补卡", 4, -1),
    ]
    for k, kind, seq, days in events:
        body = {"event_id": event_id(), "issue_type": kind, "card_no": card_no(seq), "id_number": person(seq)}
        body |= {"name": "王五", "occurred_at": now_iso(timedelta(days=days))}
        assert (await k.post("/issuances", body)).status_code == 200

    async def cards(query: str, staff=cast.shizhong) -> list[str]:
        page = (await client.get(f"{ISSUANCES}?{query}", headers=staff.headers)).json()
        return sorted(i["card_no"] for i in page["items"])

    assert await cards("") == [card_no(1), card_no(2), card_no(3)]
    assert await cards("", cast.sysadmin) == [card_no(i) for i in range(1, 5)]
    assert await cards(f"device_id={shizhong.device_id}") == [card_no(1), card_no(2)]
    assert await cards("outlet_code=511102006001") == [card_no(3)]
    assert await cards("issue_type=换卡") == [card_no(2), card_no(3)]
    assert await cards("region=511181", cast.sysadmin) == [card_no(4)]
    assert await cards("region=511181") == []  # another county: nothing, not an error
    since = (now_iso(timedelta(days=-2))).replace("+00:00", "Z")
    assert await cards(f"from={since}") == [card_no(2), card_no(3)]
    assert await cards(f"to={since}") == [card_no(1)]
    bad = await client.get(f"{ISSUANCES}?from={since}&to={since}", headers=cast.shizhong.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "TIME_RANGE_INVALID"
    [one] = (await client.get(f"{ISSUANCES}?card_no={card_no(1)}", headers=cast.shizhong.headers)).json()[
        "items"
    ]
    detail = await client.get(f"{ISSUANCES}/{one['id']}", headers=cast.shizhong.headers)
    assert detail.json()["holder_name_masked"] == "王*" and detail.json()["outlet_code"] == "511102004002"
