"""End to end at small scale: simulate → ingest → the business, event and directory silver datasets.

Every injected defect of these tables ends in quarantine and no clean row does; every accepted
event has its true trajectory kind; a rerun gives identical tables; every route reconciles; and no
plaintext ID number, phone or bank card reaches silver or `analytics.raw_*`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from pipeline import conform, ingest, load, reconcile
from pipeline.routes import SOURCES, route
from simulators.scales import ANCHOR
from yikatong import db, lake
from yikatong.ids import is_valid_bank_card, is_valid_id, is_valid_phone

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
SEED, DIRT = 20261128, 0.02
DATASETS = ["insurance_enrolment", "benefit_payment", "medical_settlement", "business_transaction",
            "directory", "card_use_event"]  # fmt: skip
ROUTES = ["insurance.qmcb_enrolment", "business.ywk_benefit_payment", "business.ywk_medical_settlement",
          "business.ywk_transaction", "exchange.directories", "card_events.card_events"]  # fmt: skip
MASTERS = ["insurance.qmcb_person", "holder.cyk_holder", "card_system.kgl_card", "card_system.kgl_apply",
           "holder.cyk_card"]  # fmt: skip
# (dataset, source database, table) of the database dirt manifests
MANIFESTS = [("insurance_enrolment", "src_insurance", "qmcb_enrolment"),
             ("benefit_payment", "src_business", "ywk_benefit_payment"),
             ("medical_settlement", "src_business", "ywk_medical_settlement"),
             ("business_transaction", "src_business", "ywk_transaction")]  # fmt: skip
# organisation identifiers, public by law (统一社会信用代码): 18 characters that may look like a number
ORGANISATION_COLUMNS = {"employer_credit_code"}
# a hit counts only when it is a real number of its kind (a 统一社会信用代码 has the ID shape, not its date)
PLAINTEXT = {
    "身份证号": (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), is_valid_id),
    "手机号": (re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])"), is_valid_phone),
    "银行卡号": (re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])"), is_valid_bank_card),
}


@pytest.fixture(scope="module")
def world():
    """The small world, simulated, and its routes ingested for ANCHOR (the home's lake and ledger)."""
    from simulators import world as simulation
    from yikatong.settings import get_settings

    sources = get_settings().sources_dir
    # files an earlier (or larger) simulation left behind would be ingested with this world's
    for stale in ("exchange/archive", "exchange/rejected", "card_events", "truth"):
        shutil.rmtree(sources / stale, ignore_errors=True)
    db.ensure_databases()
    simulation.simulate("small", SEED, DIRT)
    for route_id in [*MASTERS, *ROUTES]:
        _ingest(route(route_id))
    return sources


def _ingest(r) -> None:
    if SOURCES[r.source].kind == "database":
        ingest.ingest_database_route(r, ANCHOR)
    elif r.source == "card_events":
        ingest.ingest_event_files(r, ANCHOR)
    else:
        ingest.ingest_exchange_files(r, ANCHOR)


def checksums() -> dict[str, str]:
    return {
        f"{layer}.{d}": lake.checksum(lake.table_uri(f"{layer}.{d}"))
        for d in DATASETS
        for layer in ("silver", "quarantine")
        if lake.exists(lake.table_uri(f"{layer}.{d}"))
    }


@pytest.fixture(scope="module")
def conformed(world, spark):
    done = conform.conform(DATASETS, ANCHOR, spark)
    assert [c.error for c in done] == [None] * len(DATASETS), done
    first = checksums()
    again = conform.conform(DATASETS, ANCHOR, spark)
    assert [c.error for c in again] == [None] * len(DATASETS), again
    return first


def _read(name: str, columns: list[str] | None = None) -> pa.Table:
    """The ANCHOR batch's rows of a table."""
    return lake.read(lake.table_uri(name), columns=columns, filter=[("_logical_date", "=", ANCHOR)])


def _quarantined(dataset: str) -> set[str]:
    return set(_read(f"quarantine.{dataset}", ["_source_key"])["_source_key"].to_pylist())


def _keys(dataset: str, column: str) -> set[str]:
    return set(_read(f"silver.{dataset}", [column])[column].to_pylist())


def _truth(world: Path, folder: str) -> pa.Table:
    return pa.concat_tables(
        [pq.read_table(p) for p in sorted((world / "truth" / folder).glob("dt=*/*.parquet"))]
    )


def test_rerun_gives_identical_tables(conformed) -> None:
    assert conformed == checksums()
    assert {f"silver.{d}" for d in DATASETS} <= set(conformed)


@pytest.mark.parametrize(("dataset", "database", "table"), MANIFESTS)
def test_dirt_quarantined_and_clean_rows_accepted(conformed, dataset, database, table) -> None:
    with db.engine(database).connect() as conn:
        query = sa.text('select key_value from dirt_manifest where "table" = :t')
        dirty = set(conn.scalars(query, {"t": table}))
    assert dirty, "the world has dirt in every planned table"
    assert _quarantined(dataset) == dirty


def test_event_dirt_quarantined_and_kinds_exact(world, conformed) -> None:
    dirt = _truth(world, "events_dirt")
    assert set(dirt["defect"].to_pylist()) == {
        "unknown_card",
        "future_time",
        "negative_amount",
        "null_required",
    }
    assert _quarantined("card_use_event") == set(dirt["key_value"].to_pylist())
    truth = _truth(world, "event_kinds")
    kinds = dict(zip(truth["event_id"].to_pylist(), truth["kind"].to_pylist(), strict=True))
    silver = _read("silver.card_use_event", ["event_id", "trajectory_kind"])
    assert silver.num_rows + len(dirt) == truth.num_rows
    wrong = [
        e for e, k in zip(*(silver[c].to_pylist() for c in silver.column_names), strict=True) if kinds[e] != k
    ]
    assert wrong == []


def test_directory_has_the_five_kinds(conformed) -> None:
    assert _keys("directory", "kind") == {"医院", "药店", "景区", "图书馆", "银行网点"}
    assert _quarantined("directory") == set(), "the exchange's directories carry no row defects"


def test_every_route_reconciles(conformed) -> None:
    rows = reconcile.run(ANCHOR, tuple(route(r) for r in ROUTES))
    assert [(r["route_id"], r["ok"], r["note"]) for r in rows] == [(r, True, None) for r in ROUTES]
    by_route = {r["route_id"]: r for r in rows}
    events = by_route["card_events.card_events"]
    assert events["silver_amount"] + events["quarantine_amount"] == pytest.approx(events["source_amount"])


def _plaintext(values: list) -> list[tuple[str, str]]:
    return [
        (kind, v)
        for v in values
        if isinstance(v, str)
        for kind, (rx, valid) in PLAINTEXT.items()
        if any(valid(m) for m in rx.findall(v))
    ]


def test_no_plaintext_in_silver_or_analytics(conformed) -> None:
    bronze = _read(route("business.ywk_benefit_payment").bronze)
    assert {kind for c in ("aac002", "aae010") for kind, _ in _plaintext(bronze[c].to_pylist())} == {
        "身份证号",
        "银行卡号",
    }, "the scan finds plaintext where it is"
    found = []
    for dataset in DATASETS:
        table = _read(f"silver.{dataset}")
        for name in table.column_names:
            if pa.types.is_string(table.schema.field(name).type) and name not in ORGANISATION_COLUMNS:
                found += [(dataset, name, *hit) for hit in _plaintext(table[name].to_pylist())]
    loaded = load.run(ANCHOR)
    assert {f"raw_{d}" for d in DATASETS} <= set(loaded)
    with db.engine("analytics").connect() as conn:
        for dataset in DATASETS:
            rows = conn.execute(sa.text(f"select * from raw_{dataset}")).mappings().all()
            for row in rows:
                values = [v for k, v in row.items() if k not in ORGANISATION_COLUMNS]
                found += [(f"raw_{dataset}", *hit) for hit in _plaintext(values)]
    assert found == [], sorted({hit[:2] for hit in found})
