"""The contract runner (数据契约执行): validate candidates, quarantine failures, pass the rest.

Great Expectations 1.x validates an in-memory frame (ephemeral context, pandas data source,
whole-dataframe batch) and, asked for ``COMPLETE`` results indexed by ``_row_id``, names every
failing row per expectation. GX itself never raises on failure: this runner splits the rows,
replaces the logical date's partition of ``quarantine.<dataset>`` with one row per failing row
and expectation (with the Chinese reason and the candidate row as JSON), and raises
:class:`ContractViolation` only when the share of failing rows passes the contract's threshold.
Candidates hold no plaintext personal data (jobs protect it before this step), and ciphertexts
are left out of ``row_json``: the token identifies the person, bronze keeps the source value.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from contracts import expect
from contracts.contract import Contract, get
from yikatong import lake

__all__ = ["QUARANTINE_SCHEMA", "ContractViolation", "Outcome", "enforce", "failures", "quarantine_uri"]

log = logging.getLogger(__name__)
LINEAGE = ("_row_id", "_source_table", "_source_key")
FAILURE_SCHEMA = pa.schema(
    [("_row_id", pa.string()), ("expectation", pa.string()), ("column", pa.string()), ("reason", pa.string())]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("_row_id", pa.string()),
        ("_source_table", pa.string()),
        ("_source_key", pa.string()),
        ("expectation", pa.string()),
        ("column", pa.string()),
        ("reason", pa.string()),
        ("row_json", pa.string()),
        ("_logical_date", pa.date32()),
    ]
)
_NAMES = itertools.count(1)


class ContractViolation(RuntimeError):
    """Too many candidate rows failed a dataset's contract: the task fails (rows stay quarantined)."""


@dataclass(frozen=True)
class Outcome:
    """What one enforcement did: ``accepted`` lacks the check-only columns."""

    dataset: str
    logical_date: date
    total: int
    accepted: pa.Table
    quarantined: pa.Table
    failure_share: float
    threshold: float

    @property
    def failed_rows(self) -> int:
        return self.total - self.accepted.num_rows


def quarantine_uri(dataset: str) -> str:
    return lake.table_uri(f"quarantine.{dataset}")


def enforce(
    dataset: str, candidates: pa.Table, ds: date, contract: Contract | None = None, write: bool = True
) -> Outcome:
    """Validate ``candidates`` against the dataset's contract for logical date ``ds``.

    The quarantine partition is written before the threshold is checked, so a failed task leaves
    its evidence behind. ``write=False`` skips the write (unit tests, dry runs).
    """
    contract = contract or get(dataset)
    rows = _ordered(candidates)
    failed = failures(contract, rows, ds)
    quarantined = _quarantine_rows(dataset, rows, failed, ds)
    if write:
        lake.replace_partition(
            quarantine_uri(dataset), quarantined, {"_logical_date": ds}, partition_by=["_logical_date"]
        )
    bad = pc.unique(failed["_row_id"])
    share = len(bad) / rows.num_rows if rows.num_rows else 0.0
    if share > contract.threshold:
        raise ContractViolation(_violation_message(contract, ds, len(bad), rows.num_rows, share))
    keep = pc.invert(pc.is_in(rows["_row_id"], value_set=bad))
    accepted = rows.filter(keep).drop_columns([c for c in contract.check_columns if c in rows.column_names])
    log.info("契约 %s %s: %d 行, 隔离 %d 行 (%.2f%%)", dataset, ds, rows.num_rows, len(bad), share * 100)
    return Outcome(dataset, ds, rows.num_rows, accepted, quarantined, share, contract.threshold)


def _violation_message(contract: Contract, ds: date, bad: int, total: int, share: float) -> str:
    return (
        f"数据契约 {contract.name} 未通过：{ds} 共 {total} 行，{bad} 行不合格（{share:.2%}），"
        f"超过阈值 {contract.threshold:.2%} / contract {contract.name} failed for {ds}: {bad} of "
        f"{total} rows ({share:.2%}) broke expectations, above the {contract.threshold:.2%} threshold"
    )


def _ordered(candidates: pa.Table) -> pa.Table:
    missing = [c for c in LINEAGE if c not in candidates.column_names]
    if missing:
        raise ValueError(f"候选数据缺少血缘列 / candidates lack lineage columns {missing}")
    return candidates.sort_by("_row_id")


# ---------- validation


@functools.cache
def _session() -> tuple[Any, Any, Any]:
    """GX module, ephemeral context and a whole-dataframe batch definition (built once)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("candidates").add_dataframe_asset("frame")
    return gx, context, asset.add_batch_definition_whole_dataframe("whole")


def failures(contract: Contract, rows: pa.Table, ds: date) -> pa.Table:
    """One row per failing candidate and expectation: ``_row_id, expectation, column, reason``."""
    if not rows.num_rows:
        return FAILURE_SCHEMA.empty_table()
    suite = [expect.not_null("_row_id"), expect.unique(["_row_id"]), *contract.build(ds)]
    found: list[tuple[str, str, str, str]] = []
    for result in _validate(suite, _frame(rows)):
        found.extend(_failures_of(result))
    records = [dict(zip(FAILURE_SCHEMA.names, f, strict=True)) for f in sorted(set(found))]
    return pa.Table.from_pylist(records, schema=FAILURE_SCHEMA)


def _validate(suite: list[Any], frame: Any) -> list[Any]:
    gx, context, batch = _session()
    name = f"contract-{next(_NAMES)}"
    expectation_suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=suite))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=expectation_suite)
    )
    try:
        result = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_row_id"]},
        )
    finally:
        context.validation_definitions.delete(name)
        context.suites.delete(name)
    return list(result.results)


def _failures_of(result: Any) -> list[tuple[str, str, str, str]]:
    config = result.expectation_config
    if result.exception_info and result.exception_info.get("raised_exception"):
        message = result.exception_info.get("exception_message")
        raise RuntimeError(f"契约校验出错 / expectation {config.type} could not run: {message}")
    if result.success:
        return []
    kwargs = config.kwargs
    column = kwargs.get("column") or ",".join(kwargs.get("column_list") or [])
    reason = (config.meta or {}).get("reason") or expect.REASONS.get(config.type, "不符合数据契约")
    indexes = result.result.get("unexpected_index_list") or []
    return [(str(entry["_row_id"]), config.type, column, reason) for entry in indexes]


def _frame(rows: pa.Table) -> Any:
    """The pandas frame GX validates: times as naive UTC, dates as midnight (comparable bounds)."""
    columns = []
    for field in rows.schema:
        column = rows[field.name]
        if pa.types.is_timestamp(field.type) or pa.types.is_date(field.type):
            column = column.cast(pa.timestamp("us"))
        columns.append(column)
    return pa.table(columns, names=rows.column_names).to_pandas()


# ---------- quarantine rows


def _quarantine_rows(dataset: str, rows: pa.Table, failed: pa.Table, ds: date) -> pa.Table:
    if not failed.num_rows:
        return QUARANTINE_SCHEMA.empty_table()
    bad = rows.filter(pc.is_in(rows["_row_id"], value_set=pc.unique(failed["_row_id"])))
    shown = bad.drop_columns([c for c in bad.column_names if c.endswith("_cipher")])
    records = {r["_row_id"]: r for r in shown.to_pylist()}
    out = []
    for row_id, expectation, column, reason in zip(
        *(failed[c].to_pylist() for c in failed.column_names), strict=True
    ):
        record = records[row_id]
        out.append(
            {
                "dataset": dataset,
                "_row_id": row_id,
                "_source_table": record["_source_table"],
                "_source_key": record["_source_key"],
                "expectation": expectation,
                "column": column,
                "reason": reason,
                "row_json": json.dumps(record, ensure_ascii=False, sort_keys=True, default=_json_default),
                "_logical_date": ds,
            }
        )
    return pa.Table.from_pylist(out, schema=QUARANTINE_SCHEMA)


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
