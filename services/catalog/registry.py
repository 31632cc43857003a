"""从代码登记数据集：交换路由（源表、贴源层）、数据契约（标准层）、湖中的汇总层、dbt 清单（集市）、
Superset 资产（看板）、共享导出，以及交换平台的入站名录和城市要求的资源项。

Each finder returns plain dicts (one per entry, see :func:`spec`); :mod:`services.catalog.sync`
upserts them. Nothing here writes: finders read declarations, the lake's schemas, the source
databases' column comments and a small sample of their values (for the sensitivity proposal).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from pathlib import Path

from services.catalog import classify
from services.catalog.columns import lake_columns, source_table
from services.catalog.resources import RESOURCE_ITEMS, item_of, resource_key

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_HELPERS = {"__init__", "contract", "expect", "runner"}


def spec(key: str, kind: str, title: str, registered_from: str, **fields) -> dict:
    """One entry as the registry proposes it (steward-edited fields are kept by the sync)."""
    columns = fields.pop("columns", [])
    for column in columns:
        column.setdefault("resource", item_of(column["name"], column.get("comment", ""), column.get("pii")))
    level = fields.pop("sensitivity", None) or classify.sensitivity(columns)
    return {
        "key": key,
        "kind": kind,
        "title": title,
        "registered_from": registered_from,
        "columns": columns,
        "sensitivity": level,
        "openness": fields.pop("openness", None) or classify.proposed_openness(level),
        "description": "",
        "owner": "",
        "source": "",
        "location": "",
        "upstream": [],
        "update_frequency": "每日",
        **fields,
    }


# ---------- the finders, one per kind of declaration


def sources_and_bronze() -> Iterable[dict]:
    """源表与贴源层：`pipeline/routes.py` 的每条交换路由。"""
    from pipeline.routes import ROUTES, SOURCES

    for route in ROUTES:
        system = SOURCES[route.source]
        source_key = f"source.{route.route_id}"
        if route.source == "exchange":
            source_key = None  # the directories are inbound entries of their own (inbound_directories)
        elif system.kind == "database":
            database = system.database  # the configured name (the services' own is ops_test in tests)
            comment, columns = source_table(database, route.table)
            yield spec(
                source_key,
                "source",
                comment or route.table,
                "pipeline/routes.py",
                description=f"{system.title} {route.table}",
                source=system.title,
                location=f"{database}.{route.table}",
                columns=columns,
                update_frequency="实时" if route.mode == "incremental" else "每日",
            )
        else:
            yield spec(
                source_key,
                "source",
                system.title,
                "pipeline/routes.py",
                source=system.title,
                location=system.location,
                description=f"{system.title}（文件投递）",
            )
        upstream = [source_key] if source_key else [f"inbound.{d}" for d in _directory_names()]
        yield spec(
            route.bronze,
            "bronze",
            f"贴源层 {route.table}",
            "pipeline/routes.py",
            description=f"{system.title} {route.table} 原样入湖（{route.mode}）",
            source=system.title,
            location=route.bronze,
            upstream=upstream,
            columns=lake_columns(route.bronze),
            sensitivity=classify.SENSITIVE if system.kind == "database" else None,
        )


def _defines_contract(path: Path) -> bool:
    """Whether a module under contracts/ declares a dataset (a top-level ``CONTRACT = ...``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONTRACT" for t in node.targets)
        for node in tree.body
    )


def _contract_names() -> list[str]:
    folder = REPO_ROOT / "contracts"
    return sorted(
        p.stem for p in folder.glob("*.py") if p.stem not in CONTRACT_HELPERS and _defines_contract(p)
    )


def _docstring_title(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or path.stem
    return doc.splitlines()[0].rstrip("。.")


def silver() -> Iterable[dict]:
    """标准层：`contracts/` 中每个有数据契约的数据集。"""
    from pipeline.routes import ROUTES

    for name in _contract_names():
        key = f"silver.{name}"
        upstream = [r.bronze for r in ROUTES if r.contract == name]
        title = _docstring_title(REPO_ROOT / "contracts" / f"{name}.py").split(" contract")[0]
        yield spec(
            key,
            "silver",
            f"标准层 {name}",
            f"contracts/{name}.py",
            description=title,
            location=key,
            upstream=upstream,
            columns=lake_columns(key),
        )


def gold() -> Iterable[dict]:
    """汇总层：湖中 `gold/` 下已有的每张表。"""
    from yikatong import lake

    root = Path(lake.default_root()) / "gold"
    if "://" in lake.default_root() or not root.is_dir():
        return
    for path in sorted(p for p in root.iterdir() if (p / "_delta_log").is_dir()):
        key = f"gold.{path.name}"
        yield spec(key, "gold", f"汇总层 {path.name}", "lake gold/", location=key, columns=lake_columns(key))


def _manifest_upstream(node: dict, nodes: dict) -> list[str]:
    found = []
    for parent in node.get("depends_on", {}).get("nodes", []):
        if parent.startswith("model."):
            found.append(f"mart.{nodes.get(parent, {}).get('name', parent.split('.')[-1])}")
        elif parent.startswith("source."):
            table = parent.split(".")[-1]
            found.append(f"silver.{table.removeprefix('raw_')}")
    return found


def marts(manifest: Path | None = None) -> Iterable[dict]:
    """集市：dbt 清单 `dbt/target/manifest.json`（存在时）中的每个模型。"""
    path = manifest or REPO_ROOT / "dbt" / "target" / "manifest.json"
    if not path.is_file():
        return
    nodes = json.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    for node in nodes.values():
        if node.get("resource_type") != "model":
            continue
        columns = [
            classify.describe_column(c["name"], c.get("data_type") or "", c.get("description") or "")
            for c in node.get("columns", {}).values()
        ]
        yield spec(
            f"mart.{node['name']}",
            "mart",
            node["name"],
            "dbt/target/manifest.json",
            description=node.get("description") or "",
            location=f"analytics.{node['name']}",
            upstream=_manifest_upstream(node, nodes),
            columns=columns,
        )


def _yaml(path: Path) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}


def dashboards(folder: Path | None = None) -> Iterable[dict]:
    """看板：Superset 资产包 `superset_assets/**/dashboards/*.yaml`（存在时），上游为其数据集的表。"""
    root = folder or REPO_ROOT / "superset_assets"
    tables: dict[Path, list[str]] = {}
    for path in sorted(root.glob("**/dashboards/*.yaml")):
        bundle = path.parent.parent
        if bundle not in tables:
            names = {_yaml(p).get("table_name") for p in bundle.glob("datasets/**/*.yaml")}
            tables[bundle] = sorted(n for n in names if n)
        title = _yaml(path).get("dashboard_title") or path.stem
        yield spec(
            f"dashboard.{path.stem}",
            "dashboard",
            title,
            str(path.relative_to(root.parent)),
            upstream=[f"mart.{t}" for t in tables[bundle]],
        )


def exports() -> Iterable[dict]:
    """共享导出：每个标准层数据集按授权导出的文件（列按资源项开放级别脱敏或剔除）。"""
    for name in _contract_names():
        yield spec(
            f"export.{name}",
            "export",
            f"共享导出 {name}",
            "services/catalog/export.py",
            description=f"按授权向部门交付的 {name} 文件（脱敏、SM3 校验、SM2 签名）",
            location=f"share/<部门>/<日期>/{name}.csv",
            upstream=[f"silver.{name}"],
            sensitivity=classify.DEIDENTIFIED,
            openness=classify.CONDITIONAL,
        )


def _directory_names() -> list[str]:
    from simulators.exchange import DATASETS

    return [d.name for d in DATASETS]


def inbound_directories() -> Iterable[dict]:
    """入站数据：市共享交换平台投递的各部门名录，登记其来源部门与文件格式。"""
    from simulators.exchange import DATASETS

    for d in DATASETS:
        columns = [classify.describe_column(c, "text", c) for c in d.columns]
        yield spec(
            f"inbound.{d.name}",
            "inbound",
            d.name,
            "simulators/exchange.py",
            description=f"{d.department}经市共享交换平台投递（{d.format}，{d.encoding}）",
            owner=d.department,
            source=f"{d.department}（{d.department_code}）",
            location=f"exchange/inbox/{d.stem}_<日期>.{d.format}",
            columns=columns,
            sensitivity=classify.GENERAL,
            openness=classify.OPEN,
        )


def resource_items(datasets: list[dict]) -> Iterable[dict]:
    """资源项：DOMAIN.md 的清单，血缘为承载该项的数据集（列）。"""
    for item in RESOURCE_ITEMS:
        holders = sorted(
            {d["key"] for d in datasets for c in d["columns"] if c.get("resource") == item.title}
        )
        level = classify.PERSONAL if item.pii else classify.GENERAL
        yield spec(
            resource_key(item.title),
            "resource",
            item.title,
            "services/catalog/resources.py",
            description=f"资源项：{item.title}",
            upstream=holders,
            sensitivity=level,
            openness=item.openness,
            source=holders[0] if holders else "",
        )


def discover() -> list[dict]:
    """Every entry the code declares, datasets first, then the resource items over them."""
    datasets = [
        *sources_and_bronze(),
        *silver(),
        *gold(),
        *marts(),
        *dashboards(),
        *exports(),
        *inbound_directories(),
    ]
    return datasets + list(resource_items(datasets))
