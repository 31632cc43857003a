"""A suite read as data (校验计划): which rows an expectation could fail, for a cheap first pass.

Great Expectations judges every failing row, but it needs a pandas frame, about 3.5 GB per million
candidate rows with every column. The runner therefore first asks the engine holding the rows
(Spark or Arrow) which rows *could* fail: each expectation becomes a :class:`RowRule` (decided by
the row alone) or a :class:`KeyRule` (uniqueness, decided by the rows sharing a key). Only those
suspects, with only the columns the suite checks, go to GX, which gives the same verdicts as on the
whole frame: every row-local failure is a suspect, and all rows of a duplicated key are suspects
together. The engines' rules err on the side of suspicion (a NaN, an odd type): GX has the final word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["KEY_KINDS", "KeyRule", "Plan", "RowRule", "UnplannedExpectation", "plan"]

ROW_KINDS = {
    "expect_column_values_to_not_be_null": "not_null",
    "expect_column_values_to_be_in_set": "in_set",
    "expect_column_values_to_be_between": "between",
    "expect_column_values_to_not_match_regex": "not_match_regex",
}
KEY_KINDS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


@dataclass(frozen=True)
class RowRule:
    """A row-local expectation: ``kind`` on ``column`` (nulls pass every kind but ``not_null``)."""

    kind: str
    column: str
    values: tuple[Any, ...] = ()
    low: Any = None
    high: Any = None
    strict_low: bool = False
    strict_high: bool = False
    regex: str | None = None


@dataclass(frozen=True)
class KeyRule:
    """Uniqueness of ``columns`` (a row whose key values are all null is not compared)."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The suite as rules, plus every column GX must see (``_row_id`` first)."""

    rows: tuple[RowRule, ...]
    keys: tuple[KeyRule, ...]
    columns: tuple[str, ...]


class UnplannedExpectation(ValueError):
    """An expectation type the first pass cannot read: add it here before a contract uses it."""


def plan(suite: Sequence[Any]) -> Plan:
    """Rules for a list of GX expectations (``expect.*`` builders)."""
    rows, keys, columns = [], [], ["_row_id"]
    for expectation in suite:
        config = expectation.configuration
        kwargs = dict(config.kwargs)
        if config.type in KEY_KINDS:
            names = tuple(kwargs.get("column_list") or [kwargs["column"]])
            keys.append(KeyRule(names))
        elif config.type in ROW_KINDS:
            names = (kwargs["column"],)
            rows.append(_row_rule(ROW_KINDS[config.type], kwargs))
        else:
            raise UnplannedExpectation(
                f"校验计划不支持期望 {config.type} / no first-pass rule for expectation {config.type}"
            )
        columns += [n for n in names if n not in columns]
    return Plan(tuple(rows), tuple(keys), tuple(columns))


def _row_rule(kind: str, kwargs: dict[str, Any]) -> RowRule:
    return RowRule(
        kind=kind,
        column=kwargs["column"],
        values=tuple(kwargs.get("value_set") or ()),
        low=kwargs.get("min_value"),
        high=kwargs.get("max_value"),
        strict_low=bool(kwargs.get("strict_min")),
        strict_high=bool(kwargs.get("strict_max")),
        regex=kwargs.get("regex"),
    )
