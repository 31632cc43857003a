"""对账: source = bronze = silver + quarantine per route, counted per candidate row through lineage."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest
import sqlalchemy as sa

from pipeline import reconcile
from pipeline.routes import route
from yikatong import lake

DS = date(2031, 4, 1)
PAYMENTS = route("business.ywk_benefit_payment")
HOLDERS = route("holder.cyk_holder")


@pytest.fixture(autouse=True)
def lake_root(tmp_path, monkeypatch):
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_LAKE_URI", str(tmp_path / "lake"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def put(name: str, rows: dict, ds: date = DS) -> None:
    table = pa.table(rows).append_column("_logical_date", pa.array([ds] * len(next(iter(rows.values())))))
    lake.replace_partition(lake.table_uri(name), table, {"_logical_date": ds})


def quarantine(dataset: str, failures: list[tuple[str, str, dict]]) -> None:
    put(f"quarantine.{dataset}", {
        "dataset": [dataset] * len(failures), "_source_table": [t for t, _, _ in failures],
        "_source_key": [k for _, k, _ in failures], "expectation": ["x"] * len(failures),
        "row_json": [json.dumps(row) for _, _, row in failures],
    })  # fmt: skip


def batch(rows: int, amount: float | None, source_rows: int | None = None) -> dict:
    return {"status": "succeeded", "source_rows": source_rows or rows, "source_amount": amount,
            "bronze_rows": rows, "bronze_amount": amount}  # fmt: skip


def payments(silver_keys: list[str]) -> None:
    amounts = {"DY1": Decimal("100.00"), "DY2": Decimal("50.50"), "DY3": Decimal("-7.00")}
    put(PAYMENTS.bronze, {"aae076": list(amounts), "aae019": list(amounts.values())})
    put("silver.benefit_payment", {"payment_id": silver_keys, "_source_table": ["ywk_benefit_payment"] * len(
        silver_keys), "_source_key": silver_keys, "amount": [amounts[k] for k in silver_keys]})  # fmt: skip
    # DY3 failed two expectations: two quarantine rows, one source row
    quarantine("benefit_payment", [("ywk_benefit_payment", "DY3", {"amount": "-7.00"})] * 2)


def test_per_batch_dataset_reconciles_exactly() -> None:
    payments(["DY1", "DY2"])
    row = reconcile.reconcile_route(PAYMENTS, DS, batch(3, 143.5))
    assert (row["silver_rows"], row["quarantine_rows"]) == (2, 1)
    assert row["silver_amount"] == pytest.approx(150.5) and row["quarantine_amount"] == pytest.approx(-7.0)
    assert row["ok"] and row["note"] is None


def test_a_dropped_row_does_not_reconcile() -> None:
    payments(["DY1"])
    row = reconcile.reconcile_route(PAYMENTS, DS, batch(3, 143.5))
    assert not row["ok"] and "bronze 3 行" in row["note"]


def test_source_and_bronze_must_agree() -> None:
    payments(["DY1", "DY2"])
    assert not reconcile.reconcile_route(PAYMENTS, DS, batch(3, 143.5, source_rows=4))["ok"]
    assert not reconcile.reconcile_route(PAYMENTS, DS, None)["ok"]


def test_merged_dataset_counts_accepted_candidates_of_the_batch() -> None:
    """person: candidates are every current row; only the batch's keys count for its route."""
    put(HOLDERS.bronze, {"cyrid": ["CY1", "CY2", "CY3"]})
    accepted = pa.table({"_source_table": ["cyk_holder"] * 3 + ["qmcb_person"],
                         "_source_key": ["CY0", "CY1", "CY2", "CY1"]})  # fmt: skip
    assert not reconcile.reconcile_route(HOLDERS, DS, batch(3, None))["ok"], "no record yet"
    reconcile.record_accepted("person", accepted, DS)
    quarantine("person", [("cyk_holder", "CY3", {}), ("cyk_holder", "CY9", {})])
    row = reconcile.reconcile_route(HOLDERS, DS, batch(3, None))
    assert (row["silver_rows"], row["quarantine_rows"], row["ok"]) == (2, 1, True)


@pytest.mark.integration
def test_run_upserts_per_route_and_date() -> None:
    payments(["DY1", "DY2"])
    try:
        first = reconcile.run(DS, (PAYMENTS,))
        again = reconcile.run(DS, (PAYMENTS,))
        assert [r["ok"] for r in first] == [r["ok"] for r in again] == [False], "no batch in the ledger"
        with reconcile.db.engine("analytics").connect() as conn:
            table = reconcile.reconciliation
            count = sa.select(sa.func.count()).select_from(table).where(table.c.logical_date == DS)
            assert conn.scalar(count) == 1
    finally:
        with reconcile.db.engine("analytics").begin() as conn:
            conn.execute(
                sa.delete(reconcile.reconciliation).where(reconcile.reconciliation.c.logical_date == DS)
            )


def test_status_exits_non_zero_when_a_route_does_not_reconcile(monkeypatch) -> None:
    import typer
    from typer.testing import CliRunner

    from pipeline import status

    app = typer.Typer()
    app.command()(status.status)
    good = {"route_id": "business.ywk_benefit_payment", "logical_date": DS, "source_rows": 3,
            "bronze_rows": 3, "silver_rows": 2, "quarantine_rows": 1, "source_amount": 143.5,
            "silver_amount": 150.5, "quarantine_amount": -7.0, "ok": True, "note": None}  # fmt: skip
    monkeypatch.setattr(reconcile, "latest", lambda: [good])
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 0 and "business.ywk_benefit_payment" in result.output
    bad = good | {"route_id": "holder.cyk_holder", "ok": False, "note": "bronze 3 行 ≠ silver 1 + 隔离 1"}
    monkeypatch.setattr(reconcile, "latest", lambda: [good, bad])
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 1 and "holder.cyk_holder" in result.output
    monkeypatch.setattr(reconcile, "latest", list)
    assert CliRunner().invoke(app, []).exit_code == 1, "nothing reconciled yet"
