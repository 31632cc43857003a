"""Static check of an import bundle (校验导入包): keys, UUID links, columns against the marts, secrets.

A chart that points at a missing column must fail here, not on a user's screen. `problems()` returns
one Chinese sentence per problem (empty = the bundle is sound); `mart_columns()` reads the columns
each dbt mart's final `select` produces, so a renamed mart column is caught before import.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from superset_assets.bundle import DATABASE_FILE, URI_PLACEHOLDER, VERSION

# Superset's import schemas (ImportV1*Schema) mark these fields required.
REQUIRED = {
    "databases/": ("database_name", "sqlalchemy_uri", "uuid", "version"),
    "datasets/": ("table_name", "uuid", "version", "database_uuid"),
    "charts/": ("slice_name", "viz_type", "uuid", "version", "dataset_uuid"),
    "dashboards/": ("dashboard_title", "uuid", "version"),
}
SQL_WORDS = {
    "sum", "avg", "min", "max", "count", "distinct", "filter", "where", "select", "from", "and", "or",
    "not", "is", "null", "true", "false", "nullif", "coalesce", "marts", "as", "in", "case", "when",
    "then", "else", "end",
}  # fmt: skip
_CREDENTIALS = re.compile(r"://[^/\s:@]*:[^@/\s]+@")
_IDENT = re.compile(r"(?<!['\w])([a-z_][a-z0-9_]*)(?![\w'])")


def _kind(path: str) -> str | None:
    return next((k for k in REQUIRED if path.startswith(k)), None)


def _chart_columns(params: dict[str, Any]) -> set[str]:
    cols = {params.get("x_axis")} | set(params.get("groupby") or []) | set(params.get("all_columns") or [])
    cols |= {f["subject"] for f in params.get("adhoc_filters") or [] if f.get("expressionType") == "SIMPLE"}
    return {c for c in cols if isinstance(c, str)}


def _chart_metrics(params: dict[str, Any]) -> set[str]:
    metrics = set(params.get("metrics") or [])
    for key in ("metric", "timeseries_limit_metric"):
        if params.get(key):
            metrics.add(params[key])
    return {m for m in metrics if isinstance(m, str)}


def _secrets(path: str, text: str, doc: dict[str, Any]) -> list[str]:
    found = []
    if _CREDENTIALS.search(text):
        found.append(f"{path}：含有带口令的连接串")
    if doc.get("password") or doc.get("encrypted_extra"):
        found.append(f"{path}：含有口令或加密配置")
    if path == DATABASE_FILE and doc.get("sqlalchemy_uri") != URI_PLACEHOLDER:
        found.append(f"{path}：数据库地址必须是占位符 {URI_PLACEHOLDER}（导入时由环境填入）")
    return found


def _dataset_problems(path: str, doc: dict[str, Any], marts: dict[str, set[str]] | None) -> list[str]:
    found = []
    columns = {c["column_name"] for c in doc.get("columns") or []}
    stored = {c["column_name"] for c in doc.get("columns") or [] if not c.get("expression")}
    table = doc.get("table_name")
    if marts is not None:
        if table not in marts:
            found.append(f"{path}：dbt 中没有模型 {table}")
        else:
            found += [f"{path}：{table} 没有列 {c}" for c in sorted(stored - marts[table])]
    for metric in doc.get("metrics") or []:
        words = set(_IDENT.findall(metric["expression"].lower())) - SQL_WORDS - {table}
        found += [
            f"{path}：指标 {metric['metric_name']} 引用了不存在的列 {w}" for w in sorted(words - columns)
        ]
    return found


def problems(files: dict[str, str], marts: dict[str, set[str]] | None = None) -> list[str]:
    """Every problem of the bundle `files` (path inside the bundle → YAML text)."""
    found: list[str] = []
    docs: dict[str, dict[str, Any]] = {}
    for path, text in files.items():
        try:
            docs[path] = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            found.append(f"{path}：YAML 无法解析（{exc}）")
    meta = docs.get("metadata.yaml", {})
    if meta.get("version") != VERSION or meta.get("type") != "assets":
        found.append("metadata.yaml：缺少 version 1.0.0 / type assets")
    by_kind: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {k: {} for k in REQUIRED}
    for path, doc in docs.items():
        found += _secrets(path, files[path], doc)
        kind = _kind(path)
        if kind is None:
            continue
        found += [f"{path}：缺少必填项 {key}" for key in REQUIRED[kind] if doc.get(key) in (None, "")]
        uuid = str(doc.get("uuid"))
        if uuid in by_kind[kind]:
            found.append(f"{path}：UUID {uuid} 与 {by_kind[kind][uuid][0]} 重复")
        by_kind[kind][uuid] = (path, doc)
        if doc.get("query_context"):
            found.append(f"{path}：query_context 应为空（由参数生成）")
    for path, doc in by_kind["datasets/"].values():
        if str(doc.get("database_uuid")) not in by_kind["databases/"]:
            found.append(f"{path}：database_uuid 无对应数据库")
        found += _dataset_problems(path, doc, marts)
    used: set[str] = set()
    for path, doc in by_kind["dashboards/"].values():
        for node in (doc.get("position") or {}).values():
            if isinstance(node, dict) and node.get("type") == "CHART":
                uuid = str(node.get("meta", {}).get("uuid"))
                used.add(uuid)
                if uuid not in by_kind["charts/"]:
                    found.append(f"{path}：图表 UUID {uuid} 无对应图表")
    for uuid, (path, doc) in by_kind["charts/"].items():
        if uuid not in used:
            found.append(f"{path}：没有放在任何看板上")
        dataset = by_kind["datasets/"].get(str(doc.get("dataset_uuid")))
        if dataset is None:
            found.append(f"{path}：dataset_uuid 无对应数据集")
            continue
        columns = {c["column_name"] for c in dataset[1].get("columns") or []}
        metrics = {m["metric_name"] for m in dataset[1].get("metrics") or []}
        params = doc.get("params") or {}
        found += [f"{path}：数据集中没有列 {c}" for c in sorted(_chart_columns(params) - columns)]
        found += [f"{path}：数据集中没有指标 {m}" for m in sorted(_chart_metrics(params) - metrics)]
    return found


# ---------- the marts as dbt defines them

_FINAL = re.compile(r"\bfinal\s+as\s*\(\s*select\b(?P<body>.*?)\n\s*from\b", re.S | re.I)


def _split_top_level(body: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in body:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def select_aliases(sql: str) -> set[str] | None:
    """The output columns of a model's `final as (select …)` CTE; None when it has no such CTE."""
    match = _FINAL.search(sql)
    if match is None:
        return None
    names = set()
    for item in _split_top_level(re.sub(r"--[^\n]*", "", match.group("body"))):
        item = item.strip()
        alias = re.search(r"\bas\s+(\w+)\s*$", item, re.I) or re.search(r"(?:^|\.)(\w+)\s*$", item)
        if alias:
            names.add(alias.group(1).lower())
    return names


def mart_columns(dbt_dir: Path) -> dict[str, set[str]]:
    """Columns of every `mart_*` model in `dbt_dir/models/marts` (models without a `final` CTE skipped)."""
    found = {}
    for path in sorted((dbt_dir / "models" / "marts").rglob("mart_*.sql")):
        names = select_aliases(path.read_text(encoding="utf-8"))
        if names is not None:
            found[path.stem] = names
    return found
