"""The simulated upstream databases: determinism, shapes, card rules, the dirt manifest, advance.

Runs on the shared PostgreSQL (the source databases are simulator output, recreated by every
`simulate`) with an isolated `YKT_HOME` for the files (events, exchange drop, manifest parquet).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from simulators import dirt, state, world
from simulators.scales import ANCHOR, get_scale
from simulators.sources import SYSTEMS
from simulators.sources.loader import connect
from yikatong import db, regions
from yikatong.ids import check_id, is_valid_bank_card
from yikatong.settings import get_settings

pytestmark = pytest.mark.integration
SEED, OTHER_SEED, RATE = 7, 11, 0.03
CHECKS = {  # defect → predicate on the spoiled value (clean: the resident's true value, when needed)
    "bad_check_digit": lambda v, clean: check_id(v, today=ANCHOR).code == "bad_check_digit",
    "impossible_date": lambda v, clean: _impossible(v),
    "unknown_region": lambda v, clean: not regions.exists(v),
    "name_variant": lambda v, clean: v is not None and v != clean and len(v) >= len(clean),
    "card_without_holder": lambda v, clean: clean is None and check_id(v, today=ANCHOR).valid,
    "negative_amount": lambda v, clean: v < 0,
    "future_time": lambda v, clean: v > datetime(2027, 1, 1),
    "mojibake": lambda v, clean: v == dirt.mojibake(clean),
    "null_required": lambda v, clean: v is None,
}


def _impossible(v: str) -> bool:
    text = v[6:14] if len(v) == 18 else v
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return True
    return False


@pytest.fixture(scope="module")
def sim_env(tmp_path_factory):
    """Isolated home, shared server: point YKT_DATABASE_URL at the running PostgreSQL first."""
    url = db.dsn("postgres")
    mp = pytest.MonkeyPatch()
    mp.setenv("YKT_DATABASE_URL", url)
    mp.setenv("YKT_HOME", str(tmp_path_factory.mktemp("ykt_home")))
    _clear_caches()
    yield
    mp.undo()
    _clear_caches()


def _clear_caches():
    get_settings.cache_clear()
    db.server_url.cache_clear()
    db.engine.cache_clear()


@pytest.fixture(scope="module")
def runs(sim_env):
    """Another seed first, then the tested seed twice: the databases end up holding seed 7."""
    other = world.simulate("small", OTHER_SEED, RATE)
    first = world.simulate("small", SEED, RATE)
    second = world.simulate("small", SEED, RATE)
    return first, second, other


def _rows(database: str, sql: str, params=()) -> list[tuple]:
    with connect(database) as conn:
        return conn.execute(sql, params).fetchall()


def _residents():
    from simulators.population import generate_residents

    return {r["id_number"]: r for r in generate_residents(get_scale("small"), SEED).to_pylist()}


def test_same_seed_same_fingerprint_other_seed_differs(runs):
    first, second, other = runs
    assert len(first.fingerprint) == 64
    assert first.fingerprint == second.fingerprint
    assert first.rows == second.rows
    assert other.fingerprint != first.fingerprint


def test_row_counts_match_the_databases(runs):
    first = runs[0]
    for database, tables in first.rows.items():
        for table, n in tables.items():
            assert _rows(database, f"SELECT count(*) FROM {table}")[0][0] == n, (database, table)
    scale = get_scale("small")
    assert first.rows["src_insurance"]["qmcb_person"] == scale.residents
    assert first.rows["src_business"]["ywk_medical_settlement"] == scale.settlements
    assert first.rows["src_business"]["ywk_transaction"] == scale.transactions
    assert first.as_of == ANCHOR and first.event_rows > 0


def test_tables_have_primary_keys_comments_and_watermarks(runs):
    for database, system in SYSTEMS.items():
        for table in system.tables:
            keys = _rows(
                database,
                "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass AND indisprimary",
                (table,),
            )
            assert keys[0][0] == 1, table
            if table.endswith("_code"):
                continue
            columns = _rows(
                database,
                """SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a
                                          WHERE a.attrelid = %s::regclass AND a.attnum > 0""",
                (table,),
            )
            assert all(comment for _, comment in columns), table
            assert "aae036" in {name for name, _ in columns}, table


def _manifest(database: str) -> list[tuple]:
    return _rows(database, 'SELECT "table", key_column, key_value, "column", defect FROM dirt_manifest')


def test_manifest_rows_really_have_their_defect(runs):
    residents = _residents()
    seen = set()
    for database in SYSTEMS:
        for table, key, value, column, defect in _manifest(database):
            assert (table, value, defect) not in seen
            seen.add((table, value, defect))
            row = (
                _rows(database, f"SELECT {column}, aac002 FROM {table} WHERE {key} = %s", (value,))
                if table.startswith(("kgl_card", "kgl_apply", "qmcb_person", "cyk_holder", "cyk_card", "ywk"))
                else None
            )
            spoiled = (
                row[0][0]
                if row
                else _rows(database, f"SELECT {column} FROM {table} WHERE {key} = %s", (value,))[0][0]
            )
            clean = _clean_value(residents, row[0][1] if row else None, column, defect)
            assert CHECKS[defect](spoiled, clean), (table, value, column, defect, spoiled)
    assert {d for _, _, d in seen} == set(dirt.DEFECTS)


def _clean_value(residents: dict, aac002, column: str, defect: str):
    person = residents.get(aac002)
    if defect == "card_without_holder":
        return person
    if person is None:
        return None
    return person["address"] if column in ("aae006", "txdz") else person["name"]


def test_manifest_file_equals_the_database_manifests(runs):
    file_rows = pq.read_table(get_settings().sources_dir / "dirt_manifest.parquet").to_pylist()
    db_rows = [
        dict(zip(("table", "key_column", "key_value", "column", "defect"), r, strict=True)) | {"source_db": d}
        for d in SYSTEMS
        for r in _manifest(d)
    ]
    key = lambda r: (r["source_db"], r["table"], r["key_value"], r["defect"])  # noqa: E731
    assert sorted(map(key, file_rows)) == sorted(map(key, db_rows))
    assert runs[0].dirt_rows == len(file_rows)


def _dirty(database: str, table: str) -> set[str]:
    return {v for t, _, v, _, _ in _manifest(database) if t == table}


def test_clean_rows_have_no_unmanifested_defects(runs):
    residents = _residents()
    checks = [
        ("src_card_system", "kgl_card", "aaz500", "aac002, aac003, aab301, fkrq"),
        ("src_card_system", "kgl_apply", "sqid", "aac002, aac003, aab301, to_char(applytime, 'YYYYMMDD')"),
        ("src_insurance", "qmcb_person", "aac001", "aac002, aac003, aab301, aac006"),
        ("src_holder", "cyk_holder", "cyrid", "aac002, aac003, left(xzqh, 6), to_char(csrq, 'YYYYMMDD')"),
        ("src_business", "ywk_transaction", "aae076", "aac002, aac003, aab301, to_char(jysj, 'YYYYMMDD')"),
        (
            "src_business",
            "ywk_medical_settlement",
            "aae076",
            "aac002, aac003, aab301, to_char(jssj, 'YYYYMMDD')",
        ),
    ]
    for database, table, key, cols in checks:
        dirty = _dirty(database, table)
        for k, aac002, name, region, day in _rows(database, f"SELECT {key}, {cols} FROM {table}"):
            if k in dirty:
                continue
            person = residents[aac002]
            assert name == person["name"] and regions.exists(region), (table, k)
            assert person["doc_type"] != "01" or check_id(aac002, today=ANCHOR).valid
            assert not _impossible(day) and day <= ANCHOR.strftime("%Y%m%d"), (table, k, day)
    amounts = _rows(
        "src_business", "SELECT aae076, akc264, ake039 + akb066 + akb067 FROM ywk_medical_settlement"
    )
    dirty = _dirty("src_business", "ywk_medical_settlement")
    assert all(total == parts and total > 0 for k, total, parts in amounts if k not in dirty)


def test_cards_follow_the_card_rules(runs):
    dirty = _dirty("src_card_system", "kgl_card")
    cards = _rows("src_card_system", "SELECT aaz500, aac002, aaz502, fkrq, yxqz, aae010 FROM kgl_card")
    clean = [c for c in cards if c[0] not in dirty]
    assert all(len(c[0]) == 9 and is_valid_bank_card(c[5]) for c in clean)
    assert all(c[4] == str(int(c[3][:4]) + 10) + c[3][4:] or c[3][4:] == "0229" for c in clean)
    current: dict[str, int] = {}
    for c in clean:
        current[c[1]] = current.get(c[1], 0) + (c[2] != "9")
    assert max(current.values()) == 1  # 0 only where the current card's row is a spoiled one
    assert sum(current.values()) >= 0.97 * len(current)
    residents = _residents()
    aged = [p for p in residents.values() if p["birth_date"] <= ANCHOR - timedelta(days=366)]
    share = sum(current.get(p["id_number"], 0) for p in aged) / len(aged)
    assert 0.9 < share < 0.99
    with_history = _rows("src_holder", "SELECT count(DISTINCT aaz500) FROM cyk_card_status_history")[0][0]
    assert with_history == runs[0].rows["src_card_system"]["kgl_card"] - len(
        [1 for t, _, _, _, d in _manifest("src_card_system") if d == "card_without_holder"]
    )


def test_application_stages_are_ordered(runs):
    stages = "applytime, shsj, banktime, provincetime, citytime, citysendtime, gettime"
    dirty = _dirty("src_card_system", "kgl_apply")
    for row in _rows("src_card_system", f"SELECT sqid, shzt, {stages}, aae036 FROM kgl_apply"):
        if row[0] in dirty:
            continue
        times = list(row[2:9])
        reached = [t for t in times if t is not None]
        assert times[: len(reached)] == reached, row  # a later stage only after every earlier one
        assert reached == sorted(reached) and row[9] == reached[-1], row
        assert row[1] != "2" or len(reached) == 2


def test_benefits_are_mostly_paid_to_the_card(runs):
    cards = {r[0] for r in _rows("src_holder", "SELECT yhkh FROM cyk_card WHERE kzt IN ('正常', '临时挂失')")}
    payments = _rows("src_business", "SELECT aae010, aae019 FROM ywk_benefit_payment")
    to_card = sum(acct in cards for acct, _ in payments) / len(payments)
    assert 0.6 < to_card < 0.95
    assert all(isinstance(a, Decimal) for _, a in payments)


def test_zero_dirt_rate_spoils_nothing(runs):
    clean = world.simulate("small", SEED, 0.0)
    assert clean.dirt_rows == 0 and clean.fingerprint != runs[0].fingerprint
    assert all(not _manifest(d) for d in SYSTEMS)
    assert (
        clean.rows["src_card_system"]["kgl_card"] < runs[0].rows["src_card_system"]["kgl_card"]
    )  # no orphan cards


def test_advance_adds_one_day_deterministically(runs):
    before = world.simulate("small", SEED, RATE)
    assert state.load().as_of == ANCHOR
    counts = {t: _rows(d, f"SELECT count(*) FROM {t}")[0][0] for d, s in SYSTEMS.items() for t in s.tables}
    day1 = world.advance(1)
    new_day = ANCHOR + timedelta(days=1)
    assert day1.as_of == new_day and day1.fingerprint != before.fingerprint
    grew = 0
    for database, system in SYSTEMS.items():
        for table in system.tables:
            if table.endswith("_code"):
                continue
            late = _rows(
                database,
                f"SELECT DISTINCT aae036::date FROM {table} WHERE aae036 > %s",
                (ANCHOR + timedelta(days=1) - timedelta(seconds=1),),
            )
            assert {d for (d,) in late} <= {new_day}, table
            grew += _rows(database, f"SELECT count(*) FROM {table}")[0][0] > counts[table]
    assert grew >= 2 and state.load().as_of == new_day
    again = world.simulate("small", SEED, RATE)
    assert again.fingerprint == before.fingerprint
    assert world.advance(1).fingerprint == day1.fingerprint


def test_advance_numbers_its_applications_after_those_the_api_gave_out(runs):
    """A resident applied through the card system's API on the day being simulated next (SQID 000001)."""
    world.simulate("small", SEED, RATE)
    day = ANCHOR + timedelta(days=1)
    taken = f"SQ{day:%Y%m%d}000001"
    with connect("src_card_system") as conn:
        conn.execute("CREATE TEMP TABLE live AS SELECT * FROM kgl_apply WHERE shzt = '2' LIMIT 1")
        conn.execute("UPDATE live SET sqid = %s, applytime = %s, aae036 = %s", (taken, day, day))
        conn.execute("INSERT INTO kgl_apply SELECT * FROM live")
    world.advance(1)
    query = "SELECT sqid FROM kgl_apply WHERE sqid LIKE %s ORDER BY 1"
    numbered = [sqid for (sqid,) in _rows("src_card_system", query, (f"SQ{day:%Y%m%d}%",))]
    assert numbered[0] == taken and len(numbered) > 1
    assert numbered[1] == f"SQ{day:%Y%m%d}000002"


def test_advance_refuses_before_any_simulation(runs):
    with connect("src_card_system") as conn:
        conn.execute("DROP TABLE sim_state")
    with pytest.raises(state.NotSimulatedError, match="尚未生成模拟数据"):
        world.advance(1)
    world.simulate("small", SEED, RATE)
