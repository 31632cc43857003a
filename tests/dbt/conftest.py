"""The dbt tests' world: the real pipeline's `small`-scale output (a frozen snapshot, see raw_snapshot.py)
loaded into `analytics`, then `dbt build` as of its business date, once per session."""

from __future__ import annotations

import json
from datetime import date

import pytest

AS_OF = date(2026, 11, 27)  # the snapshot's business date (simulators.scales.ANCHOR)


@pytest.fixture(scope="session")
def raw_world():
    """`analytics.raw_*` and `analytics.pipeline.*` as one small pipeline run left them."""
    from tests.dbt import world

    return world.raw_loaded()


@pytest.fixture(scope="session")
def built(raw_world):
    """`dbt build` of the whole project as of AS_OF, with its run results."""
    from pipeline import transform

    result = transform.invoke(transform.build_args(AS_OF))
    results = json.loads((transform.target_dir() / "run_results.json").read_text())["results"]
    return result, results
