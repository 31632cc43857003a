"""Superset tests: one real Superset (gunicorn, `.venv-superset`) per test session.

Metadata in the test server's database `superset`; `superset db upgrade` + `superset init` run only
the first time on a machine (stamp under `<home>/superset`), and the bundle import only when the
bundle changed. The dashboards read the test home's `analytics`, whose marts `dbt build` makes from
the frozen `small` pipeline run and the simulated kiosk fleet (`tests/dbt/world.py`): the numbers
Superset shows are the marts' own, and the tests compare them with the same tables queried directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

DATA_DATABASE = "analytics"
PORT = int(os.environ.get("YKT_SUPERSET_TEST_PORT", "8098"))


@dataclass(frozen=True)
class Site:
    url: str
    datasets: dict[str, int]
    dashboards: dict[str, int]


@pytest.fixture(scope="session")
def superset_site() -> Iterator[Site]:
    """Marts built by dbt, bundle loaded, Superset served on PORT (1 worker); stopped after the session."""
    from superset_assets import loader, process
    from tests.dbt import world

    built = world.marts_built()
    if not built.success:
        pytest.fail("dbt build 失败，看板没有数据：\n" + "\n".join(built.failures[:10]))
    loaded = loader.load(DATA_DATABASE, port=PORT)
    served = process.serve(PORT, workers=1)
    try:
        yield Site(served.url, loaded.datasets, loaded.dashboards)
    finally:
        process.stop()
