"""Production batches and 回盘 against the provincial card system simulator over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from services.cards import writeback
from services.cards.card_system_client import CardSystemClient
from tests.services.cards_support import (
    ACCOUNT,
    BATCH,
    CARD_DB,
    PROVINCE_ROWS,
    card_no,
    event_id,
    kiosk,
    load_card_system,
    now_iso,
    serve_card_system,
)
from tests.services.helpers import sql
from yikatong import db
from yikatong.settings import get_settings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
BATCHES, WRITEBACKS = "/api/v1/admin/card-batches", "/api/v1/admin/writebacks"


@pytest.fixture(scope="module")
def province():
    load_card_system()
    with serve_card_system() as url:
        yield url


@pytest.fixture
def province_rows(province):
    """Reset the card system's write-back log and bank accounts before each test."""
    with db.engine(CARD_DB).begin() as conn:
        conn.exec_driver_sql("delete from kgl_writeback")
        for card, *_, account in PROVINCE_ROWS:
            conn.exec_driver_sql("update kgl_card set aae010 = %s where aaz500 = %s", (account, card))
    return province


def province_sql(statement: str) -> list:
    with db.engine(CARD_DB).connect() as conn:
        return list(conn.exec_driver_sql(statement))


async def test_a_batch_is_fetched_and_stored_per_region(client, cast, province_rows):
    fetched = await client.post(BATCHES, headers=cast.sysadmin.headers, json={"batch_no": BATCH})
    assert fetched.status_code == 201, fetched.text
    assert fetched.json() | {"fetched_at": None} == fetched.json() | {
        "batch_no": BATCH,
        "bank_code": "103",
        "bank_name": "中国农业银行",
        "card_count": 3,
        "cards_in_scope": 3,
        "fetched_by": "sysadmin",
        "fetched_at": None,
    }
    assert fetched.json()["made_at"].startswith("2026-11-20T02:00:00")  # 10:00 北京时间
    again = await client.post(BATCHES, headers=cast.shizhong.headers, json={"batch_no": BATCH})
    assert again.json()["cards_in_scope"] == 1 and sql("select count(*) from card_batch_item") == [(3,)]
    cards = (await client.get(f"{BATCHES}/{BATCH}/cards", headers=cast.shizhong.headers)).json()
    assert [(c["card_no"], c["box_position"], c["outlet_code"]) for c in cards["items"]] == [
        (card_no(101), "1-1-1-1", "511102004001")
    ]
    assert cards["items"][0]["holder_name_masked"] == "王**"
    emei = (await client.get(f"{BATCHES}/{BATCH}/cards", headers=cast.emei.headers)).json()
    assert [c["card_no"] for c in emei["items"]] == [card_no(102)]
    city = (await client.get(f"{BATCHES}/{BATCH}/cards", headers=cast.sysadmin.headers)).json()
    assert city["total"] == 3 and city["items"][2]["region_code"] == "511100"  # no outlet: city only
    listed = (await client.get(BATCHES, headers=cast.emei.headers)).json()
    assert [(b["batch_no"], b["cards_in_scope"]) for b in listed["items"]] == [(BATCH, 1)]
    stored = str(sql("select * from card_batch_item"))
    assert all(pid not in stored and name not in stored for _, pid, name, *_ in PROVINCE_ROWS)


async def test_unknown_batch_and_unreachable_province_write_nothing(client, cast, province_rows):
    missing = await client.post(BATCHES, headers=cast.sysadmin.headers, json={"batch_no": "P99999999"})
    assert missing.status_code == 404 and missing.json()["code"] == "BATCH_NOT_FOUND"
    bad = await client.post(BATCHES, headers=cast.sysadmin.headers, json={"batch_no": "P1/../x"})
    assert bad.status_code == 422
    settings = get_settings()
    url, settings.card_system_url = settings.card_system_url, "http://127.0.0.1:9"
    try:
        down = await client.post(BATCHES, headers=cast.sysadmin.headers, json={"batch_no": BATCH})
    finally:
        settings.card_system_url = url
    assert down.status_code == 502 and down.json()["code"] == "CARD_SYSTEM_UNAVAILABLE"
    assert sql("select count(*) from card_batch") == [(0,)]
    assert (await client.get(f"{BATCHES}/{BATCH}", headers=cast.sysadmin.headers)).status_code == 404


def report(card: str, result: str, account: str = ACCOUNT, **extra) -> dict:
    body = {"event_id": event_id(), "card_no": card, "bank_account": account, "chip_no": "86860001A1B2C3D4"}
    return body | {"result": result, "attempted_at": now_iso(), **extra}


async def test_a_kiosk_success_is_recorded_once(client, cast, province_rows):
    k = await kiosk(client, cast.shizhong.headers, 1)
    done = await k.post("/writebacks", report(card_no(101), "成功"))
    assert done.status_code == 200, done.text
    assert done.json() | {"writeback_id": 0} == {
        "writeback_id": 0,
        "card_no": card_no(101),
        "state": "成功",
        "attempts": 1,
        "next_attempt_at": None,
        "duplicate": False,
    }
    late = await k.post("/writebacks", report(card_no(101), "失败", error_message="超时"))
    assert late.status_code == 409 and late.json()["code"] == "WRITEBACK_DONE"
    stored = str(sql("select * from card_writeback"))
    assert ACCOUNT not in stored and "622848*********0018" in stored
    bad = await k.post("/writebacks", report(card_no(102), "失败", account="62284800abc"))
    assert bad.status_code == 422 and sql("select count(*) from card_writeback") == [(1,)]


async def test_failures_are_retried_with_backoff_until_the_province_accepts(client, cast, province_rows):
    k = await kiosk(client, cast.shizhong.headers, 1)
    failed = await k.post(
        "/writebacks", report(card_no(101), "失败", error_code="NET", error_message="网络中断")
    )
    assert failed.json()["state"] == "待重试" and failed.json()["attempts"] == 1
    [(due,)] = sql("select next_attempt_at from card_writeback")
    async with CardSystemClient() as cs:
        assert await writeback.retry_due(cs, now=due - timedelta(seconds=1)) == 0  # not due yet
        assert await writeback.retry_due(cs, now=due + timedelta(seconds=1)) == 1
    record = (await client.get(WRITEBACKS, headers=cast.shizhong.headers)).json()["items"][0]
    assert record["state"] == "成功" and record["attempts"] == 2
    detail = (await client.get(f"{WRITEBACKS}/{record['id']}", headers=cast.shizhong.headers)).json()
    assert [(h["mode"], h["result"], h["operator"]) for h in detail["history"]] == [
        ("设备自动", "失败", k.device_id),
        ("自动重试", "成功", "system"),
    ]
    assert province_sql("select hpjg from kgl_writeback") == [("成功",)]


async def test_exhausted_retries_land_in_the_failed_list_for_manual_retry(client, cast, province_rows):
    k = await kiosk(client, cast.shizhong.headers, 1)
    wrong = "6228480000000000999"  # the province holds another account: 4001 every time
    await k.post("/writebacks", report(card_no(101), "失败", account=wrong))
    [(record_id,)] = sql("select id from card_writeback")
    early = await client.post(f"{WRITEBACKS}/{record_id}/retry", headers=cast.shizhong.headers)
    assert early.status_code == 409 and early.json()["code"] == "WRITEBACK_NOT_FAILED"
    gaps = []
    async with CardSystemClient() as cs:
        for _ in range(10):
            [(state, due, attempts, settled)] = sql(
                "select state, next_attempt_at, attempts, updated_at from card_writeback"
            )
            if state != "待重试":
                break
            gaps.append((due - settled).total_seconds())
            await writeback.retry_due(cs, now=due + timedelta(seconds=1))
    policy = writeback.policy()
    assert gaps == [60, 120, 240, 480]  # backoff_s · 2^(n−1)
    assert (state, attempts) == ("失败", policy.max_attempts)
    failed = (await client.get(f"{WRITEBACKS}?state=失败", headers=cast.shizhong.headers)).json()
    assert [r["id"] for r in failed["items"]] == [record_id] and "4001" in failed["items"][0]["last_error"]
    assert province_sql("select count(*), max(cscs) from kgl_writeback") == [(policy.max_attempts - 1, 4)]
    manual = await client.post(f"{WRITEBACKS}/{record_id}/retry", headers=cast.shizhong.headers)
    assert manual.status_code == 200 and manual.json()["state"] == "失败"
    with db.engine(CARD_DB).begin() as conn:  # the bank account is corrected at the province
        conn.exec_driver_sql("update kgl_card set aae010 = %s where aaz500 = %s", (wrong, card_no(101)))
    fixed = await client.post(f"{WRITEBACKS}/{record_id}/retry", headers=cast.shizhong.headers)
    assert fixed.json()["state"] == "成功" and fixed.json()["completed_at"]
    history = [(h["attempt_no"], h["mode"], h["result"]) for h in fixed.json()["history"]]
    assert history[0] == (1, "设备自动", "失败") and history[-2:] == [
        (6, "人工重试", "失败"),
        (7, "人工重试", "成功"),
    ]
    assert [h["operator"] for h in fixed.json()["history"][-2:]] == ["szq_admin", "szq_admin"]
    done = await client.post(f"{WRITEBACKS}/{record_id}/retry", headers=cast.shizhong.headers)
    assert done.status_code == 409  # only failed records can be retried
    audits = sql("select result from audit_log where action = 'writeback.retry' order by seq")
    assert audits == [("失败",), ("成功",), ("成功",), ("失败",)]


async def test_concurrent_retry_rounds_try_each_record_once(client, cast, province_rows):
    k = await kiosk(client, cast.shizhong.headers, 1)
    for seq in (101, 102, 103):
        await k.post("/writebacks", report(card_no(seq), "失败", account="6228480000000000999"))
    [(latest,)] = sql("select max(next_attempt_at) from card_writeback")
    async with CardSystemClient() as cs:
        tried = await asyncio.gather(
            *(writeback.retry_due(cs, now=latest + timedelta(seconds=1)) for _ in range(4))
        )
    assert sum(tried) == 3
    assert sql("select attempts from card_writeback order by id") == [(2,), (2,), (2,)]
    assert province_sql("select count(*) from kgl_writeback") == [(3,)]
