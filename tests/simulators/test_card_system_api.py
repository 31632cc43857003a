"""The simulated 省卡管系统 HTTP interface, through ASGI, over real rows in PostgreSQL.

The rows are the small-scale card history (`simulators.cardstatus`) loaded with the card system's
own DDL and loader into a separate database, so the demo's `src_card_system` is never touched.
"""

from __future__ import annotations

from datetime import datetime

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa

from simulators import card_system_api, clock
from simulators.cardstatus import build_history
from simulators.population import generate_residents
from simulators.scales import ANCHOR, SCALES
from simulators.sources import card_system, loader
from yikatong import db
from yikatong.ids import check_char
from yikatong.settings import get_settings

pytestmark = pytest.mark.integration

TEST_DB = "src_card_system_apitest"
NOW = datetime(2026, 11, 28, 10, 30, 0)
KEY = {"X-Api-Key": get_settings().card_system_api_key}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    db.ensure_databases((TEST_DB,))
    history = build_history(generate_residents(SCALES["small"], 7), 7, clock.day_end(ANCHOR))
    arrow = card_system.tables(history)
    loader.load_database(TEST_DB, card_system.DDL, card_system.TABLES, arrow, card_system.FINISH)
    return {name: t.to_pandas() for name, t in arrow.items()}


@pytest.fixture(scope="module")
def app(tables, monkeypatch_module):
    monkeypatch_module.delenv("YKT_CARD_SYSTEM_API_KEY", raising=False)
    return card_system_api.create_app(database=TEST_DB, clock=lambda: NOW)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://card") as c:
        yield c


def _sql(query: str, **params):
    with db.engine(TEST_DB).connect() as conn:
        return conn.execute(sa.text(query), params).mappings().all()


def _person_with(tables, status: str, nth: int = 0) -> pd.Series:
    """A card in `status` whose holder has no other live card and no application in progress.

    Tests that change a card take their own `nth`, so no test sees another's changes.
    """
    cards, apps = tables["kgl_card"], tables["kgl_apply"]
    pending = set(apps[(apps.shzt == "0") | ((apps.shzt == "1") & apps.provincetime.isna())].aac002)
    live = cards[cards.aaz502 != "9"].groupby("aac002").size()
    pick = cards[(cards.aaz502 == status) & cards.aac002.map(live).eq(1) & ~cards.aac002.isin(pending)]
    return pick.iloc[nth]


def _new_id(birthday: str = "19880808") -> str:
    """A valid ID number the card system has never seen (asked of the database: tests add people)."""
    known = {r["aac002"] for r in _sql("select aac002 from kgl_card union select aac002 from kgl_apply")}
    for seq in range(1, 999, 2):
        first17 = f"511102{birthday}{seq:03d}"
        number = first17 + check_char(first17)
        if number not in known:
            return number
    raise AssertionError("no free id")


async def test_the_key_is_required(client):
    for headers in ({}, {"X-Api-Key": "wrong"}):
        r = await client.get("/api/card/511102199001011234", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "9001"


async def test_current_cards_of_a_person(client, tables):
    card = _person_with(tables, "1")
    r = await client.get(f"/api/card/{card.aac002}", headers=KEY)
    body = r.json()
    assert r.status_code == 200 and body["code"] == "0000" and body["message"] == "成功"
    (row,) = body["data"]
    assert row["AAZ500"] == card.aaz500 and row["AAC003"] == card.aac003
    assert row["AAZ502"] == "1" and row["AAZ502MC"] == "正常" and row["AAE008MC"]
    assert len(row["FKRQ"]) == 8 and row["AAE036"][:4].isdigit()


async def test_unknown_person(client, tables):
    r = await client.get(f"/api/card/{_new_id()}", headers=KEY)
    assert r.status_code == 404 and r.json()["code"] == "1001"


async def test_progress_timeline_of_a_collected_card(client, tables):
    apps = tables["kgl_apply"]
    latest = apps.sort_values(["applytime", "sqid"]).groupby("aac002").tail(1)
    done = latest[latest.gettime.notna()].iloc[-1]
    r = await client.get(f"/api/card/progress/{done.aac002}", headers=KEY)
    data = r.json()["data"]
    assert data["SQID"] == done.sqid and data["CURRENT"] == "领卡"
    assert [s["STAGE"] for s in data["STAGES"]] == [
        "申请",
        "审核",
        "银行开户",
        "省级制卡",
        "市级接收",
        "发往网点",
        "领卡",
    ]
    assert all(s["DONE"] for s in data["STAGES"])
    times = [s["TIME"] for s in data["STAGES"]]
    assert times == sorted(times)


async def test_progress_stops_at_a_rejected_review(client, tables):
    number = _new_id(birthday="19770707")
    body = {"AAC002": number, "AAC003": "审核人", "YWLX": "申领", "SQQD": "柜面", "ZPBH": "ZP-9"}
    assert (await client.post("/api/apply", json=body, headers=KEY)).status_code == 201
    with db.engine(TEST_DB).begin() as conn:  # the province reviews it: 不通过
        conn.execute(
            sa.text("update kgl_apply set shzt = '2', shsj = :t, shyj = '照片不符合要求' where aac002 = :n"),
            {"t": NOW, "n": number},
        )
    data = (await client.get(f"/api/card/progress/{number}", headers=KEY)).json()["data"]
    assert data["CURRENT"] == "审核不通过" and data["SHZTMC"] == "审核不通过"
    assert [s["STAGE"] for s in data["STAGES"]] == ["申请", "审核"]
    assert data["STAGES"][-1]["REASON"] == "照片不符合要求"


async def test_progress_of_a_card_in_the_making(client, tables):
    apps = tables["kgl_apply"]
    making = apps[(apps.shzt == "1") & apps.provincetime.isna()].iloc[0]
    data = (await client.get(f"/api/card/progress/{making.aac002}", headers=KEY)).json()["data"]
    assert data["CURRENT"] in ("审核", "银行开户") and not data["STAGES"][-1]["DONE"]


async def test_batch_lists_its_cards_in_box_order(client, tables):
    batches = tables["kgl_batch"]
    big = batches.sort_values("zksl").iloc[-1]
    r = await client.get(f"/api/batch/{big.batchno}", headers=KEY)
    data = r.json()["data"]
    assert data["BATCHNO"] == big.batchno and data["ZKSL"] == big.zksl == len(data["CARDS"])
    assert data["CARDS"][0]["ZXWZ"] == "1-1-1-1" and {"AAZ500", "AAC002", "ZXWZ"} <= data["CARDS"][0].keys()
    missing = await client.get("/api/batch/PC19990101000", headers=KEY)
    assert missing.status_code == 404 and missing.json()["code"] == "3001"


async def test_apply_for_a_first_card_then_pending(client, tables):
    number = _new_id()
    body = {"AAC002": number, "AAC003": "测试人", "YWLX": "申领", "SQQD": "微信", "ZPBH": "ZP-0001"}
    r = await client.post("/api/apply", json=body, headers=KEY)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["SQID"].startswith("SQ20261128") and len(data["SQID"]) == 16
    assert data["SHZT"] == "0" and data["SQQD"] == "03" and data["ZPBH"] == "ZP-0001"
    (row,) = _sql("select * from kgl_apply where aac002 = :n", n=number)
    assert (
        row["applytime"] == NOW and row["aae036"] == NOW and row["ywlx"] == "1" and row["aab301"] == "511102"
    )
    again = await client.post("/api/apply", json=body | {"YWLX": "1"}, headers=KEY)
    assert again.status_code == 409 and again.json()["code"] == "2003"


@pytest.mark.parametrize(
    ("status", "ywlx", "code"),
    [("1", "申领", "2002"), ("1", "补卡", "2001"), ("4", "换卡", "2004")],
)
async def test_apply_refusals(client, tables, status, ywlx, code):
    card = _person_with(tables, status)
    body = {"AAC002": card.aac002, "AAC003": card.aac003, "YWLX": ywlx, "SQQD": "01", "ZPBH": "ZP-2"}
    r = await client.post("/api/apply", json=body, headers=KEY)
    assert r.status_code == 409 and r.json()["code"] == code, r.text


async def test_apply_refusals_without_a_card_or_with_bad_input(client, tables):
    body = {"AAC002": _new_id(), "AAC003": "某人", "YWLX": "补卡", "SQQD": "柜面", "ZPBH": "ZP-3"}
    r = await client.post("/api/apply", json=body, headers=KEY)
    assert r.status_code == 409 and r.json()["code"] == "2001" and "无社会保障卡" in r.json()["message"]
    bad = await client.post("/api/apply", json=body | {"YWLX": "办卡"}, headers=KEY)
    assert bad.status_code == 422 and bad.json()["code"] == "1000"
    missing = await client.post("/api/apply", json={"AAC002": "1"}, headers=KEY)
    assert missing.status_code == 422 and missing.json()["code"] == "1000"
    card = _person_with(tables, "1")
    wrong_name = body | {"AAC002": card.aac002, "AAC003": card.aac003 + "某", "YWLX": "换卡"}
    r = await client.post("/api/apply", json=wrong_name, headers=KEY)
    assert r.status_code == 422 and r.json()["code"] == "1004"


async def test_loss_report_cycle_then_replacement(client, tables):
    card = _person_with(tables, "1", nth=5)
    url = f"/api/card/{card.aaz500}/status"
    for operation, expected in (("临时挂失", "4"), ("解挂", "1"), ("临时挂失", "4"), ("正式挂失", "2")):
        r = await client.post(url, json={"CZLX": operation}, headers=KEY)
        assert r.status_code == 200 and r.json()["data"]["AAZ502"] == expected, (operation, r.text)
    refused = await client.post(url, json={"CZLX": "解挂"}, headers=KEY)
    assert refused.status_code == 409 and refused.json()["code"] == "2005"
    (row,) = _sql("select aaz502, aae036 from kgl_card where aaz500 = :c", c=card.aaz500)
    assert row["aaz502"] == "2" and row["aae036"] == NOW
    body = {"AAC002": card.aac002, "AAC003": card.aac003, "YWLX": "补卡", "SQQD": "02", "ZPBH": "ZP-4"}
    r = await client.post("/api/apply", json=body, headers=KEY)
    assert r.status_code == 201 and r.json()["data"]["YWLX"] == "2"


async def test_status_of_unknown_card_or_operation(client, tables):
    r = await client.post("/api/card/Z99999999/status", json={"CZLX": "临时挂失"}, headers=KEY)
    assert r.status_code == 404 and r.json()["code"] == "1002"
    card = _person_with(tables, "1")
    r = await client.post(f"/api/card/{card.aaz500}/status", json={"CZLX": "注销"}, headers=KEY)
    assert r.status_code == 422 and r.json()["code"] == "1000"


async def test_writeback_retries_only_failures(client, tables):
    wb = tables["kgl_writeback"]
    outcome = wb.groupby("aaz500").hpjg.agg(lambda s: "成功" in set(s))
    failed_only = outcome[~outcome].index[0]
    attempts = int(wb[wb.aaz500 == failed_only].cscs.max())
    card = tables["kgl_card"].set_index("aaz500").loc[failed_only]
    body = {"AAZ500": failed_only, "AAE010": "6228480000000000000", "CHIPNO": card.chipno}
    r = await client.post("/api/writeback", json=body, headers=KEY)
    assert r.status_code == 409 and r.json()["code"] == "4001" and r.json()["data"]["CSCS"] == attempts + 1
    r = await client.post("/api/writeback", json=body | {"AAE010": card.aae010}, headers=KEY)
    assert (
        r.status_code == 200
        and r.json()["data"]["HPJG"] == "成功"
        and r.json()["data"]["CSCS"] == attempts + 2
    )
    rows = _sql("select hpid, hpjg, aae036 from kgl_writeback where aaz500 = :c order by cscs", c=failed_only)
    assert [x["hpjg"] for x in rows[-2:]] == ["失败", "成功"] and rows[-1]["aae036"] == NOW
    assert rows[-1]["hpid"] == f"{failed_only}-{attempts + 2}"
    again = await client.post("/api/writeback", json=body | {"AAE010": card.aae010}, headers=KEY)
    assert again.status_code == 409 and again.json()["code"] == "4002"
    unknown = await client.post("/api/writeback", json=body | {"AAZ500": "Z99999999"}, headers=KEY)
    assert unknown.status_code == 404 and unknown.json()["code"] == "1002"


async def test_premade_cards_are_shipped_in_numbered_lots_and_can_be_bound(client, tables):
    first = await client.post("/api/premade", json={"AAB301": "511181", "SL": 3}, headers=KEY)
    assert first.status_code == 201, first.text
    lot = first.json()["data"]
    numbers = [c["AAZ500"] for c in lot]
    assert len(numbers) == 3 and all(n.startswith("A") and len(n) == 9 for n in numbers)
    assert [int(n[1:]) for n in numbers] == list(range(int(numbers[0][1:]), int(numbers[0][1:]) + 3))
    assert {(c["AAZ502"], c["AAC002"], c["AAB301"], c["AAE008"]) for c in lot} == {
        ("0", None, "511181", "103")
    }
    assert all(c["AAE010"].startswith("622848") and len(c["CHIPNO"]) == 16 for c in lot)
    second = (await client.post("/api/premade", json={"AAB301": "511102", "SL": 1}, headers=KEY)).json()
    assert int(second["data"][0]["AAZ500"][1:]) == int(numbers[-1][1:]) + 1  # never a number twice
    card, number = lot[0], _new_id("19900909")
    bind = {
        "AAC002": number,
        "AAC003": "即时人",
        "AAE010": card["AAE010"],
        "CHIPNO": card["CHIPNO"],
        "YWLX": "申领",
    }
    bound = await client.post(f"/api/card/{card['AAZ500']}/bind", json=bind, headers=KEY)
    assert bound.status_code == 200 and bound.json()["data"]["AAC002"] == number, bound.text
    for bad in (
        {"AAB301": "511181", "SL": 0},
        {"AAB301": "5111", "SL": 1},
        {"AAB301": "511181", "SL": 1, "AAE008": "999"},
    ):
        refused = await client.post("/api/premade", json=bad, headers=KEY)
        assert refused.status_code == 422 and refused.json()["code"] == "1000", refused.text
    assert (await client.post("/api/premade", json={"AAB301": "511181", "SL": 1})).status_code == 401
