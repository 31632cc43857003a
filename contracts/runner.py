"""The contract runner (数据契约执行): validate candidates, quarantine failures, pass the rest.

Candidates come as a Spark DataFrame (a silver job's run; they never leave Spark whole) or as an
Arrow table (tests, small data). Two passes, the same verdicts as Great Expectations on the whole
frame (see :mod:`contracts.plan`): the engine holding the rows marks the suspects (rows some
expectation could fail, all rows of a duplicated key), then GX judges only the suspects, with only
the checked columns, at most ``CHUNK_ROWS`` rows at a time. Memory on the driver is therefore
bounded by the chunk, whatever the number of candidates; only the failing row ids are kept.

GX never raises on failure: this runner replaces the logical date's partition of
``quarantine.<dataset>`` with one row per failing row and expectation (streamed chunk by chunk),
and raises :class:`ContractViolation` only when the share of failing rows passes the threshold.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from contracts import expect
from contracts.contract import Contract, get
from contracts.judge import judge
from contracts.plan import KEY_KINDS, plan
from contracts.quarantine import QUARANTINE_SCHEMA, quarantine_rows, quarantine_uri
from contracts.suspects_arrow import suspects
from yikatong import lake

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["QUARANTINE_SCHEMA", "ContractViolation", "Outcome", "enforce", "quarantine_uri"]

log = logging.getLogger(__name__)
LINEAGE = ("_row_id", "_source_table", "_source_key")
CHUNK_ROWS = 200_000  # suspects GX sees at once (a pandas frame of the checked columns only)


class ContractViolation(RuntimeError):
    """Too many candidate rows failed a dataset's contract: the task fails (rows stay quarantined)."""


@dataclass(frozen=True)
class Outcome:
    """What one enforcement did.

    ``accepted`` lacks the check-only columns and is of the candidates' kind (Arrow table or Spark
    DataFrame). ``quarantined`` is the quarantine partition as a table, or None when it was streamed
    into the lake from Spark (``quarantine_rows`` counts it either way).
    """

    dataset: str
    logical_date: date
    total: int
    accepted: Any
    quarantined: pa.Table | None
    failure_share: float
    threshold: float
    failed_rows: int
    quarantine_rows: int


def enforce(
    dataset: str,
    candidates: Any,
    ds: date,
    contract: Contract | None = None,
    write: bool = True,
    total: int | None = None,
) -> Outcome:
    """Validate ``candidates`` (Arrow table or Spark DataFrame) against the contract for ``ds``.

    The quarantine partition is written before the threshold is checked, so a failed task leaves
    its evidence behind. ``write=False`` skips the write (unit tests, dry runs). ``total``: the
    number of candidates when the caller already counted them (a DataFrame is not counted again).
    """
    contract = contract or get(dataset)
    _require_lineage(_columns(candidates))
    suite = [expect.not_null("_row_id"), expect.unique(["_row_id"]), *contract.build(ds)]
    _require_checked(plan(suite).columns, _columns(candidates), contract)
    arrow = isinstance(candidates, pa.Table)
    if total is None:
        total = candidates.num_rows if arrow else candidates.count()
    judged = _judged_arrow(candidates, suite) if arrow else _judged_spark(candidates, suite, total)
    bad: list[pa.Array] = []
    stream = _quarantine_stream(dataset, judged, ds, bad)
    quarantined = None
    if write and not arrow:
        _store(dataset, stream, ds)
    else:
        quarantined = pa.Table.from_batches(list(stream), QUARANTINE_SCHEMA)
        if write:
            _replace(dataset, quarantined, ds)
    failing = pc.unique(pa.chunked_array(bad, pa.string())) if bad else pa.array([], pa.string())
    share = len(failing) / total if total else 0.0
    if share > contract.threshold:
        raise ContractViolation(_violation_message(contract, ds, len(failing), total, share))
    drop = [c for c in contract.check_columns if c in _columns(candidates)]
    accepted = (
        _accepted_arrow(candidates, failing, drop) if arrow else _accepted_spark(candidates, failing, drop)
    )
    log.info("契约 %s %s: %d 行, 隔离 %d 行 (%.2f%%)", dataset, ds, total, len(failing), share * 100)
    rows = quarantined.num_rows if quarantined is not None else _stored_rows(dataset, ds)
    return Outcome(dataset, ds, total, accepted, quarantined, share, contract.threshold, len(failing), rows)


def _columns(candidates: Any) -> list[str]:
    return candidates.column_names if isinstance(candidates, pa.Table) else candidates.columns


def _require_lineage(columns: list[str]) -> None:
    missing = [c for c in LINEAGE if c not in columns]
    if missing:
        raise ValueError(f"候选数据缺少血缘列 / candidates lack lineage columns {missing}")


def _require_checked(checked: tuple[str, ...], columns: list[str], contract: Contract) -> None:
    missing = [c for c in checked if c not in columns]
    if missing:
        raise ValueError(f"候选数据缺少契约 {contract.name} 检查的列 / candidates lack columns {missing}")


def _violation_message(contract: Contract, ds: date, bad: int, total: int, share: float) -> str:
    return (
        f"数据契约 {contract.name} 未通过：{ds} 共 {total} 行，{bad} 行不合格（{share:.2%}），"
        f"超过阈值 {contract.threshold:.2%} / contract {contract.name} failed for {ds}: {bad} of "
        f"{total} rows ({share:.2%}) broke expectations, above the {contract.threshold:.2%} threshold"
    )


# ---------- judging: (suspect rows, their failures) pairs


def _judged_arrow(rows: pa.Table, suite: list[Any]) -> Iterator[tuple[pa.Table, pa.Table]]:
    """An Arrow table is already in memory: its suspects are judged at once."""
    checks = plan(suite)
    suspect = rows.filter(suspects(rows, checks))
    yield suspect, judge(suite, suspect.select(list(checks.columns)))


def _judged_spark(df: DataFrame, suite: list[Any], total: int) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Suspects in chunks by ``_row_id`` hash (all rows of a row id meet in one chunk). When there
    is more than one chunk, other uniqueness checks are judged apart, chunked by their own key."""
    from pyspark import StorageLevel

    from contracts import suspects_spark as first_pass

    checks = plan(suite)
    marked = first_pass.mark(df, checks)
    helpers = [c for c in marked.columns if c not in df.columns]
    # the suspects (few) are kept once found: counting and handing them over is one pass, not two
    suspected = marked.where(first_pass.SUSPECT).drop(*helpers).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        found = suspected.count() if total else 0
        if not found:
            return
        split = found > CHUNK_ROWS
        keys = [e for e in suite if e.configuration.type in KEY_KINDS]
        apart = {i: e for i, e in enumerate(keys) if split and _spans_chunks(e)}
        per_row = [e for e in suite if all(e is not kept for kept in apart.values())]
        for chunk in first_pass.chunks(suspected, found, CHUNK_ROWS):
            yield chunk, judge(per_row, chunk.select(list(checks.columns)))
        for i, expectation in apart.items():
            if f"_dup{i}" in marked.columns:  # absent: that key has no duplicates
                yield from _judged_key(marked.where(f"_dup{i}").drop(*helpers), expectation)
    finally:
        suspected.unpersist()


def _spans_chunks(expectation: Any) -> bool:
    """A uniqueness check on other columns than ``_row_id``: its duplicates may span chunks."""
    return dict(expectation.configuration.kwargs).get("column") != "_row_id"


def _judged_key(duplicated: DataFrame, expectation: Any) -> Iterator[tuple[pa.Table, pa.Table]]:
    from contracts import suspects_spark as first_pass

    key = plan([expectation])
    by = list(key.keys[0].columns)
    for chunk in first_pass.chunks(duplicated, duplicated.count(), CHUNK_ROWS, by=by):
        yield chunk, judge([expectation], chunk.select(list(key.columns)))


# ---------- quarantine and accepted rows


def _quarantine_stream(
    dataset: str, judged: Iterator[tuple[pa.Table, pa.Table]], ds: date, bad: list[pa.Array]
) -> Iterator[pa.RecordBatch]:
    """Quarantine batches per judged chunk; the failing row ids are appended to ``bad``."""
    for rows, failed in judged:
        if failed.num_rows:
            bad.append(pc.unique(failed["_row_id"]))
            yield from quarantine_rows(dataset, rows, failed, ds).to_batches()


def _replace(dataset: str, data: pa.Table | pa.RecordBatchReader, ds: date) -> None:
    lake.replace_partition(
        quarantine_uri(dataset), data, {"_logical_date": ds}, partition_by=["_logical_date"]
    )


def _store(dataset: str, stream: Iterator[pa.RecordBatch], ds: date) -> None:
    """Stream the quarantine into the lake (one commit); an error while judging aborts the commit."""
    errors: list[Exception] = []

    def batches() -> Iterator[pa.RecordBatch]:
        yield pa.RecordBatch.from_pylist([], schema=QUARANTINE_SCHEMA)  # never an empty stream
        try:
            yield from stream
        except Exception as error:
            errors.append(error)
            raise

    try:
        _replace(dataset, pa.RecordBatchReader.from_batches(QUARANTINE_SCHEMA, batches()), ds)
    except Exception as exc:
        if errors:
            raise errors[0] from exc
        raise


def _stored_rows(dataset: str, ds: date) -> int:
    return lake.read(
        quarantine_uri(dataset), columns=["_row_id"], filter=[("_logical_date", "=", ds)]
    ).num_rows


def _accepted_arrow(rows: pa.Table, failing: pa.Array, drop: list[str]) -> pa.Table:
    keep = pc.invert(pc.is_in(rows["_row_id"], value_set=failing))
    return rows.filter(keep).sort_by("_row_id").drop_columns(drop)


def _accepted_spark(df: DataFrame, failing: pa.Array, drop: list[str]) -> DataFrame:
    """The candidates without the failing row ids (an anti join with the few failing ids)."""
    from pyspark.sql import functions as F

    if not len(failing):
        return df.drop(*drop)
    ids = df.sparkSession.createDataFrame(pa.table({"_row_id": failing}))
    ids = F.broadcast(ids) if len(failing) <= 1_000_000 else ids
    return df.join(ids, "_row_id", "left_anti").drop(*drop)
