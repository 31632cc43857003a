"""`ykt pipeline status`: the latest reconciliation per route as a table; exit 1 unless all are exact.

These tests feed the command rows (the real table is exercised end to end in
tests/dags/test_pipeline_run.py); they check what a user and a script see.
"""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from pipeline import reconcile
from yikatong.cli import app

DAY = date(2026, 11, 27)


def _row(route_id: str, ok: bool = True, **figures) -> dict:
    base = {"source_rows": 10, "bronze_rows": 10, "silver_rows": 9, "quarantine_rows": 1}
    amounts = {"source_amount": None, "silver_amount": None, "quarantine_amount": None}
    return {"route_id": route_id, "logical_date": DAY, "ok": ok, "note": None, **base, **amounts, **figures}


@pytest.fixture
def rows(monkeypatch):
    shown: list[dict] = []
    monkeypatch.setattr(reconcile, "latest", lambda: shown)
    return shown


def _status():
    return CliRunner().invoke(app, ["pipeline", "status"])


def test_all_exact_exits_zero_and_shows_counts_and_sums(rows):
    rows += [
        _row(
            "business.ywk_benefit_payment", source_amount=1234.5, silver_amount=1200.0, quarantine_amount=34.5
        ),
        _row("card_system.kgl_code", silver_rows=None, quarantine_rows=None, note="代码表：不进入 silver"),
    ]
    result = _status()
    assert result.exit_code == 0, result.output
    assert "business.ywk_benefit_payment" in result.output and "card_system.kgl_code" in result.output
    assert "1,234.50" in result.output, "source sum and silver + quarantine sum are shown"
    assert result.output.count("✔") == 2 and "✘" not in result.output


def test_one_inexact_route_exits_one_and_names_it(rows):
    rows += [
        _row("holder.cyk_card"),
        _row("insurance.qmcb_person", ok=False, silver_rows=8, note="bronze 10 行 ≠ silver 8 + 隔离 1"),
    ]
    result = _status()
    assert result.exit_code == 1
    assert "1 条路由不一致：insurance.qmcb_person" in result.output
    assert "bronze 10 行 ≠ silver 8 + 隔离 1" in result.output


def test_nothing_reconciled_yet_exits_one(rows):
    result = _status()
    assert result.exit_code == 1 and "尚无对账记录" in result.output
