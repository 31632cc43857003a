"""Every chart's query two ways: as a chart-data API request, and as the same SQL run on the mart.

The row-level security test compares the two (the county user's numbers against the mart filtered to
the county) and the benchmark times both.
"""

from __future__ import annotations

from typing import Any

from superset_assets import declaration as decl
from superset_assets.model import Chart, Dataset, Filter


def group_columns(chart: Chart) -> list[str]:
    """The columns a chart groups by (axis, series, table columns), in order."""
    return [c for c in (chart.x, *chart.series, *chart.columns) if c]


def chart_data_request(chart: Chart, dataset_id: int, force: bool = True) -> dict[str, Any]:
    """The body of `POST /api/v1/chart/data` for this chart (its groups, saved metrics and filters)."""
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": force,
        "result_format": "json",
        "result_type": "full",
        "queries": [
            {
                "columns": group_columns(chart),
                "metrics": list(chart.metrics),
                "filters": [_api_filter(f) for f in chart.filters],
                "orderby": [[chart.metrics[0], False]],
                "row_limit": chart.row_limit,
                "time_range": "No filter",
                "extras": {"having": "", "where": ""},
            }
        ],
    }


def _api_filter(f: Filter) -> dict[str, Any]:
    if f.op == "IS TRUE":
        return {"col": f.column, "op": f.op}
    return {"col": f.column, "op": f.op, "val": list(f.value) if isinstance(f.value, tuple) else f.value}


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _condition(ds: Dataset, f: Filter) -> str:
    col = ds.column(f.column).sql
    if f.op == "IS TRUE":
        return f"{col} is true"
    if isinstance(f.value, tuple):
        return f"{col} {'not in' if f.op == '!=' else 'in'} ({', '.join(_literal(v) for v in f.value)})"
    return f"{col} {'=' if f.op == '==' else '<>'} {_literal(str(f.value))}"


def direct_sql(chart: Chart, where: str | None = None) -> str:
    """The chart's query written by hand for PostgreSQL; `where` adds a condition (e.g. the county)."""
    ds = decl.dataset(chart.dataset)
    metrics = {m.name: m.expression for m in ds.metrics}
    groups = [ds.column(c).sql for c in group_columns(chart)]
    select = [*(f'{g} as "{c}"' for g, c in zip(groups, group_columns(chart), strict=True))]
    select += [f'{metrics[m]} as "{m}"' for m in chart.metrics]
    conditions = [_condition(ds, f) for f in chart.filters]
    if where:
        conditions.append(where)
    sql = f'select {", ".join(select)} from "{ds.schema}"."{ds.table}"'
    if conditions:
        sql += " where " + " and ".join(conditions)
    if groups:
        sql += f" group by {', '.join(groups)}"
    return sql + f' order by "{chart.metrics[0]}" desc nulls last limit {chart.row_limit}'
