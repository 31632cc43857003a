"""The card-domain silver jobs end to end at ``small`` scale, on an isolated home and PostgreSQL.

simulate (with dirt) → ingest the card system, 全民参保库 and 持卡库 into bronze → person, card,
card_application, card_batch, card_writeback, bank_account. Then: every dirt-manifest row of those
tables is quarantined or repaired by a written rule and no clean row is quarantined; a rerun of
the date rewrites identical tables; no silver cell holds a plaintext ID number, phone or bank card.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipeline import ingest
from pipeline.routes import routes_of
from simulators import state, world
from simulators.scales import ANCHOR
from spark_jobs.common import RunResult
from yikatong import db, lake
from yikatong.settings import get_settings

pytestmark = [pytest.mark.spark, pytest.mark.integration]
SEED, RATE = 7, 0.02
JOBS = ("person", "card", "card_application", "card_batch", "card_writeback", "bank_account")
SILVER = (*JOBS, "repair_log")
TABLES = {"qmcb_person", "cyk_holder", "kgl_card", "cyk_card", "cyk_card_status_history", "kgl_apply",
          "kgl_batch", "kgl_writeback", "cyk_bank_account"}  # fmt: skip
PLAINTEXT_COLUMNS = {  # bronze table → columns holding ID numbers, phones or bank cards
    "insurance__qmcb_person": ("aac002", "aae005"),
    "holder__cyk_holder": ("aac002", "lxdh", "jhrzjhm"),
    "holder__cyk_card": ("aac002", "yhkh"),
    "holder__cyk_bank_account": ("aac002", "yhkh"),
    "card_system__kgl_card": ("aac002", "aae010"),
    "card_system__kgl_apply": ("aac002",),
    "card_system__kgl_writeback": ("aae010",),
}
DIGIT_RUNS = re.compile(r"[HM]?\d{8,19}[Xx]?")


def _clear_caches() -> None:
    get_settings.cache_clear()
    db.server_url.cache_clear()
    db.engine.cache_clear()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Iterator[None]:
    """Its own YKT_HOME (lake, source files) and embedded PostgreSQL (sources, batch ledger)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("YKT_HOME", str(tmp_path_factory.mktemp("silver_home")))
    for name in ("YKT_DATABASE_URL", "YKT_LAKE_URI"):
        mp.delenv(name, raising=False)
    _clear_caches()
    yield
    db.stop()
    mp.undo()
    _clear_caches()


def run_jobs(spark) -> dict[str, RunResult]:
    return {job: importlib.import_module(f"spark_jobs.{job}").main(ANCHOR, spark) for job in JOBS}


def checksums() -> dict[str, str]:
    names = [f"silver.{t}" for t in SILVER] + [f"quarantine.{t}" for t in JOBS]
    return {name: lake.checksum(lake.table_uri(name)) for name in names}


@pytest.fixture(scope="module")
def first_run(home, spark) -> tuple[dict[str, RunResult], dict[str, str]]:
    db.ensure_databases()  # the batch ledger lives in "analytics"
    world.simulate("small", SEED, RATE)
    for source in ("card_system", "insurance", "holder"):
        for route in routes_of(source):
            assert ingest.ingest_database_route(route, ANCHOR).reconciled
    return run_jobs(spark), checksums()


def keys(table: pa.Table, table_col: str, key_col: str) -> set[tuple[str, str]]:
    return set(zip(table[table_col].to_pylist(), table[key_col].to_pylist(), strict=True))


def manifest_keys() -> set[tuple[str, str]]:
    manifest = pq.read_table(state.manifest_path())
    mine = manifest.filter(pc.is_in(manifest["table"], value_set=pa.array(sorted(TABLES))))
    return keys(mine, "table", "key_value")


def quarantined_keys() -> set[tuple[str, str]]:
    tables = [
        lake.read(lake.table_uri(f"quarantine.{job}"), filter=[("_logical_date", "=", ANCHOR)])
        for job in JOBS
    ]
    return set().union(*(keys(t, "_source_table", "_source_key") for t in tables))


def test_jobs_pass_their_contracts(first_run) -> None:
    results, _ = first_run
    for job, result in results.items():
        assert result.accepted > 0 and result.accepted + result.quarantined == result.rows_in, job


def test_every_manifest_row_is_quarantined_or_repaired(first_run) -> None:
    repaired = keys(lake.read(lake.table_uri("silver.repair_log")), "_source_table", "_source_key")
    missing = manifest_keys() - quarantined_keys() - repaired
    assert not missing, sorted(missing)


def test_no_clean_row_is_quarantined(first_run) -> None:
    extra = quarantined_keys() - manifest_keys()
    assert not extra, sorted(extra)


def test_rerun_gives_identical_tables(first_run, spark) -> None:
    _, before = first_run
    run_jobs(spark)
    assert checksums() == before


def plaintexts() -> set[str]:
    values: set[str] = set()
    for table, columns in PLAINTEXT_COLUMNS.items():
        rows = lake.read(lake.table_uri(f"bronze.{table}"), columns=list(columns))
        for column in columns:
            values |= {v.strip().upper() for v in rows[column].to_pylist() if v and len(v.strip()) >= 8}
    return values


def test_no_plaintext_personal_numbers_in_silver(first_run) -> None:
    secrets = plaintexts()
    assert len(secrets) > 1000
    leaks = []
    for name in SILVER:
        table = lake.read(lake.table_uri(f"silver.{name}"))
        for field in table.schema:
            if pa.types.is_string(field.type):
                for value in table[field.name].to_pylist():
                    found = {run.upper() for run in DIGIT_RUNS.findall(value or "")} & secrets
                    leaks += [(name, field.name, hit[:4]) for hit in found]
    assert not leaks, leaks[:10]
