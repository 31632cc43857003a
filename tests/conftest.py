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
