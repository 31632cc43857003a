"""The contract runner on Spark frames: the same verdicts as on Arrow, in bounded chunks.

The rows of ``test_first_pass`` (every boundary) go through :func:`contracts.runner.enforce` once
as an Arrow table and once as a Spark DataFrame, with chunks small enough that suspects and keys
are judged in several parts: the accepted rows and the quarantine must not differ.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from contracts import runner
from contracts.contract import Contract
from contracts.runner import enforce, quarantine_uri
from tests.contracts.test_first_pass import CHECKS_OF_SUITE, DS, edge_rows, suite
from yikatong import lake
from yikatong.settings import get_settings

pytestmark = pytest.mark.spark
CONTRACT = Contract("edges", ["_row_id"], threshold=1.0, expectations=lambda: suite()[2:],
                    check_columns=CHECKS_OF_SUITE)  # fmt: skip


@pytest.fixture(autouse=True)
def lake_home(tmp_path, monkeypatch):
    monkeypatch.setenv("YKT_LAKE_URI", str(tmp_path / "lake"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def by_arrow():
    return enforce("edges", edge_rows(), DS, contract=CONTRACT, write=False)


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(c, "ascending") for c in ("_row_id", "expectation", "column")])


@pytest.mark.parametrize("chunk_rows", [runner.CHUNK_ROWS, 3])
def test_spark_gives_the_arrow_verdicts(spark, by_arrow, monkeypatch, chunk_rows: int) -> None:
    monkeypatch.setattr(runner, "CHUNK_ROWS", chunk_rows)
    by_spark = enforce("edges", spark.createDataFrame(edge_rows()), DS, contract=CONTRACT, write=False)
    assert _sorted(by_spark.quarantined).equals(_sorted(by_arrow.quarantined))
    accepted = by_spark.accepted.toArrow().sort_by("_row_id")
    assert accepted.equals(by_arrow.accepted.sort_by("_row_id").cast(accepted.schema))
    assert (by_spark.total, by_spark.failed_rows) == (by_arrow.total, by_arrow.failed_rows)
    assert not set(CHECKS_OF_SUITE) & set(by_spark.accepted.columns)


def test_quarantine_is_streamed_into_the_lake(spark, by_arrow, monkeypatch) -> None:
    monkeypatch.setattr(runner, "CHUNK_ROWS", 4)
    outcome = enforce("edges", spark.createDataFrame(edge_rows()), DS, contract=CONTRACT)
    written = lake.read(quarantine_uri("edges"))
    assert outcome.quarantined is None and outcome.quarantine_rows == written.num_rows
    assert _sorted(written).equals(_sorted(by_arrow.quarantined))


def test_gx_sees_only_suspects_and_checked_columns(spark, monkeypatch) -> None:
    seen: list[pa.Table] = []
    judge = runner.judge
    monkeypatch.setattr(runner, "judge", lambda s, rows: seen.append(rows) or judge(s, rows))
    clean = pa.Table.from_pylist([edge_rows().to_pylist()[0] | {"_row_id": f"c:{i}", "code": f"c{i}"}
                                  for i in range(500)], schema=edge_rows().schema)  # fmt: skip
    frame = spark.createDataFrame(pa.concat_tables([clean, edge_rows()]))
    outcome = enforce("edges", frame, DS, contract=CONTRACT, write=False)
    assert outcome.total == 531 and sum(t.num_rows for t in seen) < 40
    assert all("id_cipher" not in t.column_names for t in seen)


def test_empty_frame_passes(spark) -> None:
    empty = spark.createDataFrame(edge_rows().schema.empty_table())
    outcome = enforce("edges", empty, DS, contract=CONTRACT)
    assert outcome.total == 0 and outcome.failure_share == 0 and outcome.accepted.count() == 0
