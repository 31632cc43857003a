"""Shared fixtures. Only tests that ask for ``spark`` start a JVM (10–45 s on this machine)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """One local Spark session for the whole test run, stopped at the end."""
    from yikatong.lake import spark_session

    session = spark_session("ykt-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session", autouse=True)
def platform_databases(request: pytest.FixtureRequest) -> None:
    """Integration tests find the platform's databases, as after `make run` (created once per run)."""
    if any(item.get_closest_marker("integration") for item in request.session.items):
        from yikatong import db

        db.ensure_databases()
