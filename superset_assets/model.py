"""The small vocabulary the dashboards are declared in: datasets on marts, charts, dashboards.

`declaration.py` says *what* the city sees with these types; `bundle.py` turns them into Superset's
v1 import YAML. Keeping the declaration this small is what keeps the YAML free of repetition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Viz = Literal["bar", "line", "big_number", "table", "pie"]


@dataclass(frozen=True)
class Column:
    """A mart column (name, PostgreSQL type, Chinese label)."""

    name: str
    type: str
    label: str
    expression: str | None = None  # a calculated column (Superset computes it; not in the mart)

    @property
    def sql(self) -> str:
        """How a query selects it: the column itself, or its expression."""
        return f"({self.expression})" if self.expression else f'"{self.name}"'

    @property
    def is_temporal(self) -> bool:
        return self.type in {"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}


@dataclass(frozen=True)
class Metric:
    """A saved metric of a dataset: an aggregate SQL expression over its columns."""

    name: str
    expression: str
    label: str
    d3format: str | None = None


@dataclass(frozen=True)
class Dataset:
    """数据集: one mart table in schema `marts` of the analytics database.

    `region_column` is the 6-digit county code the row-level security filters on; a dataset without
    one (data-source monitoring) is for city-wide roles only.
    """

    table: str
    label: str
    columns: tuple[Column, ...]
    metrics: tuple[Metric, ...]
    region_column: str | None = "county_code"
    schema: str = "marts"

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """The columns the mart table itself has (calculated ones excluded)."""
        return tuple(c for c in self.columns if not c.expression)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.table} 没有列 {name}")

    @property
    def temporal_column(self) -> str | None:
        return next((c.name for c in self.columns if c.is_temporal), None)


@dataclass(frozen=True)
class Filter:
    """A fixed filter of a chart (`column op value`; `IS TRUE` takes no value)."""

    column: str
    op: Literal["==", "!=", "IN", "IS TRUE"]
    value: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Chart:
    """图表: one chart on one dataset. `x` is the category (or time) axis, `series` splits it."""

    key: str
    title: str
    dataset: str
    viz: Viz
    metrics: tuple[str, ...]
    x: str | None = None
    series: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    columns: tuple[str, ...] = ()  # table charts: the grouping columns shown
    horizontal: bool = False
    row_limit: int = 1000
    width: int = 4
    height: int | None = None  # grid units; big numbers are short, the rest 50

    @property
    def grid_height(self) -> int:
        return self.height or (25 if self.viz == "big_number" else 50)

    def referenced_columns(self) -> set[str]:
        """Every dataset column this chart's query touches."""
        return {c for c in (self.x, *self.series, *self.columns) if c} | {f.column for f in self.filters}


@dataclass(frozen=True)
class Dashboard:
    """看板: a title, a slug for its address, and rows of chart keys (widths add up to ≤ 12)."""

    slug: str
    title: str
    rows: tuple[tuple[str, ...], ...]
    description: str = ""
    city_only: bool = False
    charts: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "charts", tuple(key for row in self.rows for key in row))
