"""Superset's v1 import bundle (导入包) from `declaration`: YAML per database, dataset, chart, dashboard.

`python -m superset_assets.bundle` rewrites `superset_assets/bundle/` (committed, sorted keys, no
`query_context`, so diffs stay readable). The database's URI is a placeholder there; `zip_bundle()`
fills it from the environment when the loader imports, so no address or password is ever committed.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from superset_assets import declaration as decl
from superset_assets.model import Chart, Dashboard, Dataset

BUNDLE_DIR = Path(__file__).with_name("bundle")
VERSION = "1.0.0"
DATABASE_NAME = "乐山一卡通分析库"
DATABASE_FILE = "databases/analytics.yaml"
URI_PLACEHOLDER = "postgresql+psycopg2://from-environment/analytics"  # replaced by zip_bundle()
_NAMESPACE = uuid.UUID("6f1c1a52-7d44-4f7e-9c1e-511100000000")

VIZ_TYPES = {
    "bar": "echarts_timeseries_bar",
    "line": "echarts_timeseries_line",
    "big_number": "big_number_total",
    "table": "table",
    "pie": "pie",
}
TIME_GRAINS = {"pay_month": "P1M"}  # monthly marts; every other time axis is daily


def stable_uuid(kind: str, name: str) -> str:
    """The same UUID for the same asset on every machine (so re-imports overwrite, never duplicate)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def database_uuid() -> str:
    return stable_uuid("database", "analytics")


# ---------- one YAML document per asset


def database_yaml() -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": URI_PLACEHOLDER,
        "uuid": database_uuid(),
        "version": VERSION,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "cache_timeout": None,
        "extra": {"allows_virtual_table_explore": True},
    }


def dataset_yaml(ds: Dataset) -> dict[str, Any]:
    return {
        "table_name": ds.table,
        "schema": ds.schema,
        "description": ds.label,
        "main_dttm_col": ds.temporal_column,
        "database_uuid": database_uuid(),
        "uuid": stable_uuid("dataset", ds.table),
        "version": VERSION,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "offset": 0,
        "cache_timeout": None,
        "columns": [
            {
                "column_name": c.name,
                "verbose_name": c.label,
                "type": c.type,
                "is_dttm": c.is_temporal,
                "groupby": True,
                "filterable": True,
                "is_active": True,
                "expression": c.expression,
                "description": None,
                "python_date_format": None,
            }
            for c in ds.columns
        ],
        "metrics": [
            {
                "metric_name": m.name,
                "verbose_name": m.label,
                "metric_type": None,
                "expression": m.expression,
                "d3format": m.d3format,
                "description": None,
                "extra": {},
                "warning_text": None,
            }
            for m in ds.metrics
        ],
    }


def _adhoc_filters(chart: Chart) -> list[dict[str, Any]]:
    return [
        {
            "clause": "WHERE",
            "expressionType": "SIMPLE",
            "subject": f.column,
            "operator": f.op,
            "comparator": list(f.value) if isinstance(f.value, tuple) else f.value,
            "filterOptionName": f"filter_{chart.key}_{i}",
        }
        for i, f in enumerate(chart.filters)
    ]


def _x_axis_time_format(column: str) -> str:
    return "%Y-%m" if TIME_GRAINS.get(column) == "P1M" else "%m-%d"


def chart_params(chart: Chart) -> dict[str, Any]:
    """The chart's form data, as Superset's explore view would save it."""
    ds = decl.dataset(chart.dataset)
    fmt = ds_metric_format(ds, chart.metrics[0])
    params: dict[str, Any] = {
        "viz_type": VIZ_TYPES[chart.viz],
        "adhoc_filters": _adhoc_filters(chart),
        "time_range": "No filter",
        "color_scheme": "supersetColors",
        "row_limit": chart.row_limit,
    }
    if chart.viz in {"bar", "line"}:
        temporal = ds.column(chart.x).is_temporal
        params |= {
            "x_axis": chart.x,
            "time_grain_sqla": TIME_GRAINS.get(chart.x, "P1D") if temporal else None,
            "metrics": list(chart.metrics),
            "groupby": list(chart.series),
            "orientation": "horizontal" if chart.horizontal else "vertical",
            "x_axis_sort_asc": True,
            "show_legend": True,
            "legendOrientation": "top",
            "rich_tooltip": True,
            "show_value": chart.viz == "bar" and not chart.series and len(chart.metrics) == 1,
            "y_axis_format": fmt,
            "truncateXAxis": True,
            "xAxisLabelRotation": 0 if temporal else 45,
            "y_axis_bounds": [None, None],
        }
        if temporal:
            params["x_axis_time_format"] = _x_axis_time_format(chart.x)
    elif chart.viz == "big_number":
        params |= {"metric": chart.metrics[0], "y_axis_format": fmt, "header_font_size": 0.4}
    elif chart.viz == "pie":
        params |= {
            "metric": chart.metrics[0],
            "groupby": [chart.x],
            "show_labels": True,
            "label_type": "key_value_percent",
            "show_legend": True,
            "number_format": fmt,
        }
    else:  # table
        params |= {
            "query_mode": "aggregate",
            "groupby": list(chart.columns),
            "metrics": list(chart.metrics),
            "timeseries_limit_metric": chart.metrics[0],
            "order_desc": True,
            "show_cell_bars": True,
            "table_timestamp_format": "%Y-%m-%d",
        }
    return params


def ds_metric_format(ds: Dataset, metric: str) -> str:
    return next((m.d3format for m in ds.metrics if m.name == metric), None) or "SMART_NUMBER"


def chart_yaml(chart: Chart) -> dict[str, Any]:
    return {
        "slice_name": chart.title,
        "viz_type": VIZ_TYPES[chart.viz],
        "params": chart_params(chart),
        "query_context": None,
        "cache_timeout": None,
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "uuid": stable_uuid("chart", chart.key),
        "dataset_uuid": stable_uuid("dataset", chart.dataset),
        "version": VERSION,
    }


def dashboard_position(dash: Dashboard) -> dict[str, Any]:
    """The grid: a header, then one ROW per declared row, charts left to right."""
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"id": "ROOT_ID", "type": "ROOT", "children": ["GRID_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dash.title}},
        "GRID_ID": {"id": "GRID_ID", "type": "GRID", "parents": ["ROOT_ID"], "children": []},
    }
    for r, row in enumerate(dash.rows, start=1):
        row_id = f"ROW-{dash.slug}-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "id": row_id,
            "type": "ROW",
            "parents": ["ROOT_ID", "GRID_ID"],
            "children": [],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for key in row:
            chart = decl.chart(key)
            chart_id = f"CHART-{key}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {
                "id": chart_id,
                "type": "CHART",
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "children": [],
                "meta": {
                    "chartId": decl.CHARTS.index(chart) + 1,  # remapped by UUID on import
                    "uuid": stable_uuid("chart", key),
                    "sliceName": chart.title,
                    "width": chart.width,
                    "height": chart.grid_height,
                },
            }
    return position


def dashboard_yaml(dash: Dashboard) -> dict[str, Any]:
    return {
        "dashboard_title": dash.title,
        "description": dash.description or None,
        "slug": dash.slug,
        "uuid": stable_uuid("dashboard", dash.slug),
        "version": VERSION,
        "published": True,
        "css": "",
        "certified_by": None,
        "certification_details": None,
        "position": dashboard_position(dash),
        "metadata": {
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
            "native_filter_configuration": [],
            "cross_filters_enabled": False,
        },
    }


def asset_uuids() -> list[str]:
    """UUIDs of every dataset and chart the bundle declares."""
    return [stable_uuid("dataset", d.table) for d in decl.DATASETS] + [
        stable_uuid("chart", c.key) for c in decl.CHARTS
    ]


# ---------- the bundle as files


def documents() -> dict[str, dict[str, Any]]:
    """Every YAML document of the bundle by its path inside the bundle."""
    docs: dict[str, dict[str, Any]] = {
        "metadata.yaml": {"version": VERSION, "type": "assets"},
        DATABASE_FILE: database_yaml(),
    }
    docs |= {f"datasets/analytics/{ds.table}.yaml": dataset_yaml(ds) for ds in decl.DATASETS}
    docs |= {f"charts/{c.key}.yaml": chart_yaml(c) for c in decl.CHARTS}
    docs |= {f"dashboards/{d.slug}.yaml": dashboard_yaml(d) for d in decl.DASHBOARDS}
    return docs


def dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=True, width=110)


def write(target: Path = BUNDLE_DIR) -> list[Path]:
    """Rewrite the committed bundle directory from the declaration (removing stale files)."""
    docs = documents()
    for old in target.rglob("*.yaml") if target.exists() else []:
        if str(old.relative_to(target)) not in docs:
            old.unlink()
    written = []
    for rel, doc in docs.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(doc), encoding="utf-8")
        written.append(path)
    return written


def read(source: Path = BUNDLE_DIR) -> dict[str, str]:
    """The committed bundle's files (path inside the bundle → text)."""
    return {str(p.relative_to(source)): p.read_text(encoding="utf-8") for p in sorted(source.rglob("*.yaml"))}


def zip_bundle(data_uri: str, source: Path = BUNDLE_DIR) -> bytes:
    """The import zip: the committed YAML with the database URI filled in and a fresh timestamp."""
    files = read(source)
    database = yaml.safe_load(files[DATABASE_FILE])
    database["sqlalchemy_uri"] = data_uri
    files[DATABASE_FILE] = dump(database)
    meta = yaml.safe_load(files["metadata.yaml"])
    meta["timestamp"] = datetime.now(UTC).isoformat()
    files["metadata.yaml"] = dump(meta)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, text in files.items():
            zf.writestr(f"ykt_bundle/{rel}", text)
    return buf.getvalue()


if __name__ == "__main__":
    for path in write():
        print(path.relative_to(BUNDLE_DIR.parent.parent))
