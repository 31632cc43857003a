"""The gold layer end to end at ``small`` scale, on an isolated home and PostgreSQL.

simulate → ingest → silver (people, cards, applications, insurance, benefits, card-use events) →
``gold.trajectory_monthly`` and ``gold.portrait``. Then: the trajectory kinds equal the simulator's
ground truth per person, month and kind; the risk flags equal a hand computation over silver;
a rerun writes identical tables; no gold cell (nor its analytics copy) holds a plaintext ID
number, phone or bank card.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from pipeline import conform, gold_load, ingest
from pipeline.routes import SOURCES, routes_of
from simulators import world
from simulators.scales import ANCHOR
from spark_jobs import gold, gold_portrait
from spark_jobs.batches import current
from yikatong import db, lake
from yikatong.ids import is_valid_bank_card, is_valid_id, is_valid_phone
from yikatong.settings import get_settings

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
SEED, RATE = 20261128, 0.02
SOURCES_USED = ("card_system", "insurance", "holder", "business", "card_events")
DATASETS = ["person", "card", "card_application", "insurance_enrolment", "benefit_payment", "card_use_event"]
GOLD = [f"gold.{t}" for t in gold.JOBS]
PLAINTEXT = {
    "身份证号": (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), is_valid_id),
    "手机号": (re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])"), is_valid_phone),
    "银行卡号": (re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])"), is_valid_bank_card),
}


def _clear_caches() -> None:
    get_settings.cache_clear()
    db.server_url.cache_clear()
    db.engine.cache_clear()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Iterator[None]:
    """Its own YKT_HOME (lake, source files) and embedded PostgreSQL."""
    mp = pytest.MonkeyPatch()
    mp.setenv("YKT_HOME", str(tmp_path_factory.mktemp("gold_home")))
    for name in ("YKT_DATABASE_URL", "YKT_LAKE_URI"):
        mp.delenv(name, raising=False)
    _clear_caches()
    yield
    db.stop()
    mp.undo()
    _clear_caches()


@pytest.fixture(scope="module")
def silver(home, spark):
    """The small world simulated, ingested and conformed for ANCHOR; the sources folder."""
    sources = get_settings().sources_dir
    for stale in ("exchange/archive", "exchange/rejected", "card_events", "truth"):
        shutil.rmtree(sources / stale, ignore_errors=True)
    db.ensure_databases()
    world.simulate("small", SEED, RATE)
    for source in SOURCES_USED:
        for r in routes_of(source):
            if SOURCES[r.source].kind == "database":
                ingest.ingest_database_route(r, ANCHOR)
            else:
                ingest.ingest_event_files(r, ANCHOR)
    done = conform.conform(DATASETS, ANCHOR, spark)
    assert [c.error for c in done] == [None] * len(DATASETS), done
    return sources


@pytest.fixture(scope="module")
def built(silver, spark) -> dict[str, str]:
    """Gold built twice for ANCHOR; the first run's checksums."""
    first = gold.build(ANCHOR, spark)
    assert all(rows > 0 for rows, _ in first.values()), first
    sums = {name: lake.checksum(lake.table_uri(name)) for name in GOLD}
    gold.build(ANCHOR, spark)
    return sums


def _silver(dataset: str) -> pa.Table:
    return lake.read(lake.table_uri(f"silver.{dataset}"), filter=None)


def test_rerun_gives_identical_gold(built) -> None:
    assert built == {name: lake.checksum(lake.table_uri(name)) for name in GOLD}


def test_trajectory_kinds_match_the_ground_truth(silver, built) -> None:
    truth = pa.concat_tables(
        [pq.read_table(p) for p in sorted((silver / "truth" / "event_kinds").glob("dt=*/*"))]
    )
    kinds = dict(zip(truth["event_id"].to_pylist(), truth["kind"].to_pylist(), strict=True))
    events = _silver("card_use_event").to_pylist()
    expected = Counter(
        (e["id_token"], e["event_date"].strftime("%Y-%m"), kinds[e["event_id"]]) for e in events
    )
    monthly = lake.read(lake.table_uri("gold.trajectory_monthly")).to_pylist()
    got: Counter = Counter()
    for row in monthly:
        got[(row["id_token"], row["month"], row["trajectory_kind"])] += row["events"]
    assert set(kinds.values()) == {"身份凭证类", "身份校验类", "非医保消费类", "待遇发放类", "信息查询类"}
    assert got == expected
    assert sum(r["events"] for r in monthly) == len(events) > 0


def _expected_flags() -> dict[str, dict[str, bool]]:
    """The three rules computed by hand over silver (pyarrow, no Spark)."""
    cards = [c for c in _silver("card").to_pylist() if c["is_current"] and c["status"] == "正常"]
    expiry: dict[str, dt.date] = {}
    for c in cards:
        expiry[c["id_token"]] = max(expiry.get(c["id_token"], c["expires_on"]), c["expires_on"])
    waiting = set()
    for a in _silver("card_application").to_pylist():
        made = a["province_made_at"]
        if made and not a["picked_up_at"]:
            made_day = made.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
            if (ANCHOR - made_day).days > gold_portrait.UNCOLLECTED_DAYS:
                waiting.add(a["id_token"])
    payments = current(_silver("benefit_payment"), ["payment_id"])
    pensioners = {
        p["id_token"] for p in payments.to_pylist() if p["insurance_type"] in gold_portrait.PENSION_TYPES
    }
    horizon = ANCHOR + dt.timedelta(days=gold_portrait.EXPIRING_DAYS)
    return {
        "card_uncollected_30d": {t: True for t in waiting},
        "pension_without_active_card": {t: True for t in pensioners if t not in expiry},
        "card_expiring_90d": {t: True for t, e in expiry.items() if ANCHOR <= e <= horizon},
    }


def test_risk_flags_match_a_hand_computation(built) -> None:
    portraits = lake.read(lake.table_uri("gold.portrait")).to_pylist()
    people = {p["id_token"] for p in portraits}
    assert len(people) == len(portraits) == _silver("person").num_rows
    for flag, expected in _expected_flags().items():
        flagged = {p["id_token"] for p in portraits if p[flag]}
        assert flagged == {t for t in expected if t in people}, flag
        assert flagged, f"the small world has someone flagged {flag}"


def test_portrait_tags(built) -> None:
    portraits = lake.read(lake.table_uri("gold.portrait")).to_pylist()
    bands = {p["age_band"] for p in portraits}
    assert bands <= {label for *_, label in gold_portrait.AGE_BANDS} | {None} and len(bands) >= 4
    assert any(p["insured_types"] and "," in p["insured_types"] for p in portraits)
    assert any(p["active_channels"] for p in portraits) and any(p["benefit_types"] for p in portraits)
    for p in portraits:
        named = [f for f in gold_portrait.FLAGS if p[f]]
        assert p["risk_flags"] == ",".join(named)


def _plaintext(values) -> list[tuple[str, str]]:
    return [
        (kind, v)
        for v in values
        if isinstance(v, str)
        for kind, (rx, valid) in PLAINTEXT.items()
        if any(valid(m) for m in rx.findall(v))
    ]


def test_no_plaintext_in_gold_or_analytics(built) -> None:
    assert _plaintext(["身份证 11010519491231002X"]), "the scan finds plaintext where it is"
    found = []
    for name in GOLD:
        table = lake.read(lake.table_uri(name))
        for column in table.column_names:
            found += [(name, column, *hit) for hit in _plaintext(table[column].to_pylist())]
    loaded = gold_load.run(ANCHOR)
    assert set(loaded) == {"raw_gold_trajectory_monthly", "raw_gold_portrait"}
    with db.engine("analytics").connect() as conn:
        for name, rows in loaded.items():
            assert conn.scalar(sa.text(f"select count(*) from {name}")) == rows
            for row in conn.execute(sa.text(f"select * from {name}")).all():
                found += [(name, *hit) for hit in _plaintext(row)]
    assert found == [], sorted({hit[:2] for hit in found})
