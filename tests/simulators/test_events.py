"""The card-use event stream (用卡轨迹消息): determinism, volume, kinds, dirt."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from simulators import clock, events
from simulators.cardstatus import build_history
from simulators.event_holders import PENSION_DAY
from simulators.event_scenarios import CHANNELS, KINDS, SCENARIOS
from simulators.population import generate_residents
from simulators.scales import ANCHOR, SCALES
from simulators.world import World, contract_cards

DAY = date(2026, 11, 10)  # a Tuesday with a pension pay day (county 511123)


@functools.cache
def _people(seed: int) -> tuple[pa.Table, pa.Table]:
    residents = generate_residents(SCALES["small"], seed)
    history = build_history(residents, seed, clock.day_end(ANCHOR))
    return residents, contract_cards(history.current())


def make_world(seed: int = 7, dirt_rate: float = 0.01) -> World:
    """A new small world as `ykt simulate` builds it (residents and current cards), no databases."""
    return World(SCALES["small"], seed, dirt_rate, *_people(seed))


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


def _window(world) -> tuple[date, date]:
    return ANCHOR - timedelta(days=world.scale.event_days - 1), ANCHOR


@pytest.fixture(scope="module")
def full_run(world, tmp_path_factory):
    root = tmp_path_factory.mktemp("events")
    return root, events.write_events(world, *_window(world), root=root)


def _read(root, folder: str) -> pa.Table:
    return pq.read_table(root / folder, partitioning="hive")


def test_layout_one_file_per_day_and_no_leftovers(world, full_run):
    root, result = full_run
    start, end = _window(world)
    assert len(result.files) == world.scale.event_days
    assert result.files[0] == root / "card_events" / f"dt={start}" / "part-0.parquet"
    assert result.files[-1] == root / "card_events" / f"dt={end}" / "part-0.parquet"
    assert len(result.truth_files) == 2 * world.scale.event_days
    assert not list(root.rglob("*.tmp"))
    assert pq.read_schema(result.files[0]).remove_metadata() == events.EVENT_SCHEMA


def test_total_rows_match_the_scale(world, full_run):
    _, result = full_run
    assert result.rows == pytest.approx(world.scale.events, rel=0.02)
    assert _read(full_run[0], "card_events").num_rows == result.rows


def test_same_seed_same_bytes(world, full_run, tmp_path):
    again = events.write_events(world, *_window(world), root=tmp_path)
    assert again.digest == full_run[1].digest
    assert again.rows == full_run[1].rows


def test_other_seed_other_digest(tmp_path):
    other = make_world(seed=8)
    a = events.write_events(other, DAY, DAY, root=tmp_path / "a")
    b = events.write_events(make_world(seed=7), DAY, DAY, root=tmp_path / "b")
    assert a.digest != b.digest


def test_one_day_regenerated_alone_equals_the_full_run(world, full_run, tmp_path):
    root, _ = full_run
    alone = events.write_events(make_world(), DAY, DAY, root=tmp_path)  # a fresh world object too
    for rel in ("card_events", "truth/event_kinds", "truth/events_dirt"):
        path = f"{rel}/dt={DAY}/part-0.parquet"
        assert (tmp_path / path).read_bytes() == (root / path).read_bytes(), rel
    assert alone.rows == pq.read_metadata(root / f"card_events/dt={DAY}/part-0.parquet").num_rows


def test_rewriting_a_day_replaces_its_files(world, tmp_path):
    first = events.write_events(world, DAY, DAY, root=tmp_path)
    second = events.write_events(world, DAY, DAY, root=tmp_path)
    assert first.digest == second.digest
    assert len(list((tmp_path / "card_events").rglob("*"))) == 2  # dt= folder and its file


def test_every_scene_maps_to_a_kind_and_truth_agrees(full_run):
    root, _ = full_run
    stream = _read(root, "card_events").select(["event_id", "scene_code"])
    truth = _read(root, "truth/event_kinds").select(["event_id", "kind"])
    joined = stream.join(truth, "event_id")
    assert joined.num_rows == stream.num_rows == truth.num_rows
    expected = [SCENARIOS[code].kind for code in joined["scene_code"].to_pylist()]
    assert joined["kind"].to_pylist() == expected
    assert set(truth["kind"].to_pylist()) == set(KINDS)  # a month at small scale shows all five


def test_scenario_table_is_consistent():
    assert 20 <= len(SCENARIOS) <= 30
    for code, s in SCENARIOS.items():
        assert s.code == code and s.kind in KINDS
        assert s.channel_codes and set(s.channel_codes) <= set(CHANNELS)
        assert (s.amount is not None) == (s.kind in ("非医保消费类", "待遇发放类")), code


def test_event_ids_unique_and_messages_well_formed(full_run):
    root, _ = full_run
    t = _read(root, "card_events")
    assert pc.count_distinct(t["event_id"]).as_py() == t.num_rows
    assert set(pc.unique(t["channel"]).to_pylist()) <= set(CHANNELS)
    assert set(pc.unique(t["result"]).to_pylist()) == {"成功", "失败"}
    places = pc.utf8_length(t["place_code"])
    assert set(pc.unique(places).to_pylist()) <= {9, 12}
    assert pc.all(pc.starts_with(t["place_code"], "5111")).as_py()
    assert pc.all(pc.is_valid(t["terminal_id"])).as_py()


def _clean(root) -> pa.Table:
    t = _read(root, "card_events")
    bad = _read(root, "truth/events_dirt")["key_value"]
    return t.filter(pc.invert(pc.is_in(t["event_id"], value_set=bad)))


def test_clean_rows_have_no_defect(world, full_run):
    root, _ = full_run
    clean = _clean(root)
    for col in ("card_no", "event_time", "id_number", "scene_code", "channel"):
        assert clean[col].null_count == 0, col
    assert pc.min(clean["amount"]).as_py() >= 0
    assert pc.all(pc.is_in(clean["card_no"], value_set=world.cards["card_no"])).as_py()
    utc_date = pc.cast(clean["event_time"], pa.date32()).cast(pa.string())
    assert pc.all(pc.equal(utc_date, pc.cast(clean["dt"], pa.string()))).as_py()
    beijing_hour = pc.add(pc.hour(clean["event_time"]), 8)
    assert pc.min(beijing_hour).as_py() >= 8 and pc.max(beijing_hour).as_py() <= 23


def test_amounts_only_where_the_scenario_has_money(full_run):
    root, _ = full_run
    t = _clean(root)
    with_money = [c for c, s in SCENARIOS.items() if s.amount is not None]
    money = pc.is_in(t["scene_code"], value_set=pa.array(with_money))
    assert pc.all(pc.equal(money, pc.is_valid(t["amount"]))).as_py()


def test_dirt_rows_show_their_defect(world, full_run):
    root, _ = full_run
    dirt = _read(root, "truth/events_dirt")
    assert dirt.num_rows > 0
    assert dirt.column_names[:6] == ["source_db", "table", "key_column", "key_value", "column", "defect"]
    assert set(dirt["source_db"].to_pylist()) == {"card_events"}
    assert set(dirt["key_column"].to_pylist()) == {"event_id"}
    found = {(r["defect"], r["column"]) for r in dirt.to_pylist()}
    assert found == {
        ("future_time", "event_time"),
        ("unknown_card", "card_no"),
        ("negative_amount", "amount"),
        ("null_required", "card_no"),
        ("null_required", "event_time"),
    }
    rows = {r["event_id"]: r for r in _read(root, "card_events").to_pylist()}
    masters = set(world.cards["card_no"].to_pylist())
    for d in dirt.to_pylist():
        row = rows[d["key_value"]]
        match d["defect"], d["column"]:
            case "future_time", _:
                assert row["event_time"].date() > ANCHOR
            case "unknown_card", _:
                assert row["card_no"] is not None and row["card_no"] not in masters
            case "negative_amount", _:
                assert row["amount"] < 0
            case "null_required", column:
                assert row[column] is None


def test_dirt_rate_zero_gives_an_empty_manifest_and_the_same_clean_rows(tmp_path):
    clean = make_world(dirt_rate=0.0)
    result = events.write_events(clean, DAY, DAY, root=tmp_path / "clean")
    assert result.dirt_rows == 0
    dirty = make_world(dirt_rate=0.05)
    events.write_events(dirty, DAY, DAY, root=tmp_path / "dirty")
    a = pq.read_table(tmp_path / f"clean/card_events/dt={DAY}")
    b = pq.read_table(tmp_path / f"dirty/card_events/dt={DAY}")
    assert a.num_rows == b.num_rows and a["scene_code"].equals(b["scene_code"])


def test_pensioners_are_paid_on_their_county_day(full_run):
    root, _ = full_run
    t = _clean(root)
    t = t.filter(pc.equal(t["scene_code"], "YLFF"))
    assert t.num_rows > 0
    for row in t.select(["event_time", "place_code"]).to_pylist():
        assert row["event_time"].day == PENSION_DAY[row["place_code"][:6]]  # paid at a home-county bank
    per_person = pc.value_counts(t["id_number"]).field("counts")
    assert pc.max(per_person).as_py() == 1  # one payment a month, the window is one month


def test_reversed_window_is_refused(world, tmp_path):
    with pytest.raises(ValueError, match="早于"):
        events.write_events(world, DAY, DAY - timedelta(days=1), root=tmp_path)
