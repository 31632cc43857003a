"""The dbt tests' world: the real pipeline's `small`-scale output (a frozen snapshot, see raw_snapshot.py)
loaded into `analytics`, then `dbt build` as of its business date, once per session."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest

AS_OF = date(2026, 11, 27)  # the snapshot's business date (simulators.scales.ANCHOR)


def _snapshot():
    spec = importlib.util.spec_from_file_location("raw_snapshot", Path(__file__).with_name("raw_snapshot.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def raw_world():
    """`analytics.raw_*` and `analytics.pipeline.*` as one small pipeline run left them."""
    from yikatong import db

    db.ensure_databases(("analytics",))
    return _snapshot().load()


@pytest.fixture(scope="session")
def built(raw_world):
    """`dbt build` of the whole project as of AS_OF, with its run results."""
    from pipeline import transform

    result = transform.invoke(transform.build_args(AS_OF))
    results = json.loads((transform.target_dir() / "run_results.json").read_text())["results"]
    return result, results
