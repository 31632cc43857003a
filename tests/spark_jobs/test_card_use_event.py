"""用卡轨迹: typed by the scenario code table, card and time checks, the holder's number protected."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt

import pytest

from contracts.contract import get
from contracts.runner import enforce
from simulators.event_scenarios import SCENARIOS
from spark_jobs import card_use_event as job
from tests.spark_jobs.builders import id_number
from yikatong.pii import protector

DS = dt.date(2026, 11, 27)
HOLDER = id_number("51110219900101123")
EVENTS = (
    "event_id string, card_no string, id_number string, event_time timestamp, channel string, "
    "terminal_id string, place_code string, scene_code string, amount double, merchant_name string, "
    "result string, _batch_id string, _logical_date date"
)
AT = dt.datetime(2026, 11, 27, 15, 30, tzinfo=dt.UTC)  # 23:30 in Beijing: still the 27th


def event(event_id: str, **extra) -> tuple:
    base = {
        "event_id": event_id,
        "card_no": "B00000001",
        "id_number": HOLDER,
        "event_time": AT,
        "channel": "GJ",
        "terminal_id": "GJ511102000001",
        "place_code": "511102004",
        "scene_code": "GJCC",
        "amount": 1.5,
        "merchant_name": "市中区城乡公交",
        "result": "成功",
        "_batch_id": "b1",
        "_logical_date": DS,
    }
    row = base | extra
    return tuple(row[name.split()[0]] for name in EVENTS.split(", "))


def test_scene_table_is_the_scenarios_code_table() -> None:
    """Owned by the platform, derived once from the simulator's SCENARIOS: they must not drift."""
    with job.SCENES.open(encoding="utf-8") as fh:
        rows = {r["scene_code"]: (r["scene_name"], r["kind"]) for r in csv.DictReader(fh)}
    assert rows == {code: (s.name, s.kind) for code, s in SCENARIOS.items()}


@pytest.fixture(scope="module")
def candidates(spark):
    events = spark.createDataFrame(
        [
            event("E1"),
            event("E2", scene_code="YLFF", amount=2600.0),
            event("E3", card_no="X90000001"),
            event("E4", card_no=None),
            event("E5", event_time=AT + dt.timedelta(days=40)),
            event("E6", amount=-3.0),
            event("E7", scene_code="NOPE"),
            event("E8", event_time=None),
        ],
        EVENTS,
    )
    cards = spark.createDataFrame([("B00000001",)], "_cm_card string")
    scenes = spark.createDataFrame(job.scene_table())
    return job.transform(events, cards, scenes, DS).toArrow()


@pytest.mark.spark
def test_typed_and_protected(candidates) -> None:
    rows = {r["event_id"]: r for r in candidates.to_pylist()}
    assert rows["E1"]["trajectory_kind"] == "非医保消费类" and rows["E2"]["trajectory_kind"] == "待遇发放类"
    assert rows["E1"]["event_date"] == DS and rows["E1"]["county_code"] == "511102"
    assert rows["E1"]["id_token"] == protector().token(HOLDER, "id_number")
    assert rows["E1"]["id_masked"] == HOLDER[:6] + "********" + HOLDER[-4:]
    assert "id_number" not in candidates.column_names
    assert rows["E3"]["_has_card"] is False and rows["E4"]["_has_card"] is False
    assert rows["E7"]["trajectory_kind"] is None
    assert rows["E1"]["_row_id"] == "card_events:E1"


@pytest.mark.spark
def test_contract_quarantines_each_defect(candidates) -> None:
    lenient = dataclasses.replace(get("card_use_event"), threshold=1.0)  # mostly defects here
    outcome = enforce("card_use_event", candidates, DS, contract=lenient, write=False)
    assert sorted(outcome.accepted["event_id"].to_pylist()) == ["E1", "E2"]
    reasons = {(r["_source_key"], r["column"]) for r in outcome.quarantined.to_pylist()}
    assert {
        ("E3", "_has_card"),
        ("E4", "card_no"),
        ("E5", "event_time"),
        ("E6", "amount"),
        ("E7", "trajectory_kind"),
        ("E8", "event_time"),
    } <= reasons
    assert "_has_card" not in outcome.accepted.column_names
