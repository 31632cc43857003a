"""装载分析库: idempotent per date, and readers never see a half-loaded table."""

from __future__ import annotations

from datetime import date

import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
import pytest
import sqlalchemy as sa

from pipeline import load
from yikatong import db, lake

pytestmark = pytest.mark.integration
DS = date(2031, 5, 2)
SCHEMA = "test_load"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A lake of our own and a schema of our own in `analytics`."""
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_LAKE_URI", str(tmp_path / "lake"))
    get_settings.cache_clear()
    monkeypatch.setattr(load, "SCHEMA", SCHEMA)
    with db.engine("analytics").begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {SCHEMA} cascade; create schema {SCHEMA}"))
    yield
    with db.engine("analytics").begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {SCHEMA} cascade"))
    get_settings.cache_clear()


def count(table: str, where: str = "true") -> int | str:
    """Rows another session sees; ``"waits"`` when it would have to wait for the loader's commit."""
    with db.engine("analytics").connect() as conn:
        conn.execute(sa.text("set lock_timeout = '1s'"))
        try:
            return conn.scalar(sa.text(f"select count(*) from {SCHEMA}.{table} where {where}"))
        except sa.exc.OperationalError:
            return "waits"


class CheckingConnection:
    """An ADBC connection whose commit first asks another session what it sees."""

    def __init__(self, conn, check):
        self._conn, self._check = conn, check

    def cursor(self):
        return self._conn.cursor()

    def commit(self):
        self._check()
        self._conn.commit()


def batches(n: int) -> pa.Table:
    return pa.table({"batch_no": [f"B{i:04d}" for i in range(n)], "quantity": list(range(n))})


def test_full_replace_is_atomic_and_idempotent() -> None:
    with adbc.connect(db.dsn("analytics")) as conn:
        load.replace_table(conn, "raw_card_batch", batches(10))
        seen = []
        checking = CheckingConnection(conn, lambda: seen.append(count("raw_card_batch")))
        load.replace_table(checking, "raw_card_batch", batches(25))
        assert seen == [10], "before the commit another reader still sees the whole old table"
        assert count("raw_card_batch") == 25
        load.replace_table(conn, "raw_card_batch", batches(25))
        assert count("raw_card_batch") == 25
        wider = batches(5).append_column("maker", pa.array(["x"] * 5))
        checking = CheckingConnection(conn, lambda: seen.append(count("raw_card_batch")))
        load.replace_table(checking, "raw_card_batch", wider)  # new columns: copied aside, names swapped
        assert seen == [10, "waits"], "during the swap a reader waits for the new table"
        assert count("raw_card_batch") == 5


def events(ds: date, n: int) -> pa.Table:
    return pa.table({"event_id": [f"EV{ds:%Y%m%d}{i:04d}" for i in range(n)], "_logical_date": [ds] * n})


def test_partition_replace_touches_only_its_date() -> None:
    other = date(2031, 5, 1)
    with adbc.connect(db.dsn("analytics")) as conn:
        load.replace_partition(conn, "raw_card_use_event", events(other, 7), "_logical_date", other)
        load.replace_partition(conn, "raw_card_use_event", events(DS, 5), "_logical_date", DS)
        seen = []
        checking = CheckingConnection(conn, lambda: seen.append(count("raw_card_use_event")))
        load.replace_partition(checking, "raw_card_use_event", events(DS, 5), "_logical_date", DS)
        assert seen == [12]
        with pytest.raises(ValueError, match="partition"):
            load.replace_partition(conn, "raw_card_use_event", events(other, 1), "_logical_date", DS)
    assert count("raw_card_use_event") == 12
    assert count("raw_card_use_event", f"_logical_date = '{other}'") == 7


def test_run_loads_silver_and_is_idempotent() -> None:
    table = events(DS, 4).append_column("id_cipher", pa.array(["c"] * 4))
    table = table.append_column("event_date", pa.array([DS] * 4))
    lake.replace_partition(lake.table_uri("silver.card_use_event"), table, {"_logical_date": DS})
    lake.overwrite(lake.table_uri("silver.card_batch"), batches(3))
    first = load.run(DS)
    assert first == load.run(DS)
    assert first["raw_card_use_event"] == 4 and first["raw_card_batch"] == 3
    with db.engine("analytics").connect() as conn:
        columns = conn.scalars(
            sa.text("select column_name from information_schema.columns where table_schema = :s"),
            {"s": SCHEMA},
        ).all()
    assert "id_cipher" not in columns, "ciphertexts stay in the lake"
    assert count("raw_card_use_event") == 4 and count("raw_quarantine_counts") == 0
