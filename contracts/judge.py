"""Great Expectations as the judge (数据契约判定): which rows of a frame fail which expectation.

GX 1.x validates an in-memory frame (ephemeral context, pandas data source, whole-dataframe batch)
and, asked for ``COMPLETE`` results indexed by ``_row_id``, names every failing row per
expectation. The runner hands it only the suspects of the first pass (:mod:`contracts.plan`) and
only the columns the suite checks, so the pandas frame stays small whatever the dataset's size.
"""

from __future__ import annotations

import copy
import functools
import itertools
import os
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from contracts import expect

__all__ = ["FAILURE_SCHEMA", "judge"]

FAILURE_SCHEMA = pa.schema(
    [("_row_id", pa.string()), ("expectation", pa.string()), ("column", pa.string()), ("reason", pa.string())]
)
_NAMES = itertools.count(1)


def judge(suite: Sequence[Any], rows: pa.Table) -> pa.Table:
    """One row per failing row and expectation: ``_row_id, expectation, column, reason`` (sorted)."""
    if not rows.num_rows or not suite:
        return FAILURE_SCHEMA.empty_table()
    found: set[tuple[str, str, str, str]] = set()
    for result in _validate(list(suite), _frame(rows)):
        found.update(_failures_of(result))
    records = [dict(zip(FAILURE_SCHEMA.names, f, strict=True)) for f in sorted(found)]
    return pa.Table.from_pylist(records, schema=FAILURE_SCHEMA)


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


def _validate(suite: list[Any], frame: Any) -> list[Any]:
    gx, context, batch = _session()
    name = f"contract-{next(_NAMES)}"
    # copies: an expectation joins one suite only, and a dataset's are judged chunk after chunk
    copies = [copy.copy(e) for e in suite]
    expectation_suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=copies))
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
