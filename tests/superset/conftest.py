"""Superset tests: one real Superset (gunicorn, `.venv-superset`) per test session.

Metadata in the test server's database `superset`; `superset db upgrade` + `superset init` run only
the first time on a machine (stamp under `<home>/superset`), and the bundle import only when the
bundle changed. The dashboards read database `analytics_superset_test`, whose `marts` tables are
seeded with `superset_assets.sample_marts` (the declared columns, real region codes, deterministic
values): the dbt project builds the real marts in its own tests, and these tests compare Superset
with the same tables queried directly, so they hold for either.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

DATA_DATABASE = "analytics_superset_test"
PORT = int(os.environ.get("YKT_SUPERSET_TEST_PORT", "8098"))


@dataclass(frozen=True)
class Site:
    url: str
    datasets: dict[str, int]
    dashboards: dict[str, int]


@pytest.fixture(scope="session")
def superset_site() -> Iterator[Site]:
    """Marts seeded, bundle loaded, Superset served on PORT (1 worker); stopped after the session."""
    from superset_assets import loader, process, sample_marts

    sample_marts.seed(DATA_DATABASE, rows_per_mart=1500)
    loaded = loader.load(DATA_DATABASE, port=PORT)
    served = process.serve(PORT, workers=1)
    try:
        yield Site(served.url, loaded.datasets, loaded.dashboards)
    finally:
        process.stop()
