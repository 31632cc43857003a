"""The import bundle, statically: keys, UUID links, columns against the dbt marts, no secrets."""

from __future__ import annotations

import copy
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml

from superset_assets import bundle, check
from superset_assets import declaration as decl
from yikatong.settings import REPO_ROOT

DBT = REPO_ROOT / "dbt"
TITLES = {
    "终端运行监控大屏",
    "制发卡业务监控",
    "问题卡精准服务监控大屏",
    "业务统计",
    "养老待遇领取态势",
    "线上申领分析",
    "数据源监测",
    "渠道分析",
    "持卡人画像",
}


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return bundle.read()


@pytest.fixture(scope="module")
def marts() -> dict[str, set[str]]:
    found = check.mart_columns(DBT)
    assert found, "dbt/models/marts 中没有可解析的 mart 模型"
    return found


def test_committed_bundle_is_what_the_declaration_builds(files: dict[str, str]) -> None:
    built = {path: bundle.dump(doc) for path, doc in bundle.documents().items()}
    assert files == built, "superset_assets/bundle 已过期：运行 python -m superset_assets.bundle"


def test_bundle_has_no_problems(files: dict[str, str], marts: dict[str, set[str]]) -> None:
    assert check.problems(files, marts) == []


def test_every_declared_mart_is_a_dbt_model(marts: dict[str, set[str]]) -> None:
    assert {d.table for d in decl.DATASETS} <= set(marts)


def test_the_seven_dashboards_in_chinese(files: dict[str, str]) -> None:
    titles = {yaml.safe_load(t)["dashboard_title"] for p, t in files.items() if p.startswith("dashboards/")}
    assert titles == TITLES
    stats = [c for c in decl.CHARTS if c.dataset == "mart_card_stats_by_county"]
    assert sorted(f.value for c in stats for f in c.filters) == sorted(decl.CARD_STATS)
    assert {c.viz for c in stats} == {"bar"}


def _mutated(files: dict[str, str], path: str, change) -> dict[str, str]:
    doc = yaml.safe_load(files[path])
    change(doc)
    return {**files, path: bundle.dump(doc)}


def test_a_chart_on_a_missing_column_fails(files: dict[str, str], marts: dict[str, set[str]]) -> None:
    broken = _mutated(files, "charts/stat_1.yaml", lambda d: d["params"].update(x_axis="county_nmae"))
    assert check.problems(broken, marts) == ["charts/stat_1.yaml：数据集中没有列 county_nmae"]


def test_a_dataset_column_the_mart_lacks_fails(files: dict[str, str], marts: dict[str, set[str]]) -> None:
    narrowed = copy.deepcopy(marts)
    narrowed["mart_card_stats"].discard("stat_item")
    assert check.problems(files, narrowed) == [
        "datasets/analytics/mart_card_stats.yaml：mart_card_stats 没有列 stat_item"
    ]


def test_a_metric_on_a_missing_column_fails(files: dict[str, str]) -> None:
    path = "datasets/analytics/mart_problem_card.yaml"
    broken = _mutated(files, path, lambda d: d["metrics"][0].update(expression="SUM(card_count)"))
    assert check.problems(broken) == [f"{path}：指标 problem_cards 引用了不存在的列 card_count"]


def test_dangling_uuids_fail(files: dict[str, str]) -> None:
    broken = _mutated(
        files, "charts/problem_total.yaml", lambda d: d.update(dataset_uuid=bundle.stable_uuid("x", "y"))
    )
    broken = {k: v for k, v in broken.items() if k != "charts/online_days.yaml"}
    found = check.problems(broken)
    assert "charts/problem_total.yaml：dataset_uuid 无对应数据集" in found
    assert any(p.startswith("dashboards/online-application.yaml：图表 UUID") for p in found)


def test_no_secrets_in_the_committed_bundle(files: dict[str, str]) -> None:
    database = yaml.safe_load(files[bundle.DATABASE_FILE])
    assert database["sqlalchemy_uri"] == bundle.URI_PLACEHOLDER
    leaked = _mutated(
        files, bundle.DATABASE_FILE, lambda d: d.update(sqlalchemy_uri="postgresql://u:pw@h/db")
    )
    assert {p.split("：")[1] for p in check.problems(leaked)} >= {"含有带口令的连接串"}


def test_the_import_zip_fills_the_uri_and_keeps_the_rest(files: dict[str, str]) -> None:
    uri = "postgresql+psycopg2://postgres:@/analytics?host=/tmp/pg"
    with zipfile.ZipFile(BytesIO(bundle.zip_bundle(uri))) as zf:
        inside = {name.removeprefix("ykt_bundle/"): zf.read(name).decode() for name in zf.namelist()}
    assert set(inside) == set(files)
    assert yaml.safe_load(inside[bundle.DATABASE_FILE])["sqlalchemy_uri"] == uri
    assert all(inside[p] == files[p] for p in files if p not in {bundle.DATABASE_FILE, "metadata.yaml"})


def test_select_aliases_reads_a_final_cte() -> None:
    sql = (
        "with final as (\n    select\n        a.x,\n        round(b.y, 2) as y_2, -- note\n"
        "        z\n    from a\n)\nselect * from final"
    )
    assert check.select_aliases(sql) == {"x", "y_2", "z"}
    assert check.select_aliases("select 1") is None
    assert Path(DBT).exists()
