"""Row-level security through Superset's chart-data API: 县级 sees its county only, 市级 everything.

Every chart's numbers as the county user equal the same query on the mart filtered to 511102;
as the city user they equal the unfiltered query. Another county's rows never appear.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from superset_assets import declaration as decl
from superset_assets import queries, security
from superset_assets.client import SupersetClient
from yikatong import db, regions

pytestmark = [pytest.mark.superset, pytest.mark.integration, pytest.mark.slow]

COUNTY = "511102"
DATA_DATABASE = "analytics"  # the marts dbt built (tests/dbt/world.py)
REGIONAL = [c for c in decl.CHARTS if decl.dataset(c.dataset).region_column]


def _login(site, username: str) -> SupersetClient:
    user = next(u for u in security.demo_users() if u.username == username)
    return SupersetClient(site.url, user.username, user.password)


@pytest.fixture(scope="module")
def county(superset_site) -> Iterator[SupersetClient]:
    with _login(superset_site, "szq_analyst") as client:
        yield client


@pytest.fixture(scope="module")
def city(superset_site) -> Iterator[SupersetClient]:
    with _login(superset_site, "city_analyst") as client:
        yield client


def _plain(value: object) -> object:
    if isinstance(value, dt.date):  # Superset returns temporal columns as epoch milliseconds
        moment = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
        return int(moment.timestamp() * 1000)
    if isinstance(value, float | decimal.Decimal):
        return round(float(value), 6)
    return value


def _normalised(rows: list[dict[str, object]], chart) -> list[tuple[object, ...]]:
    keys = [*queries.group_columns(chart), *chart.metrics]
    return sorted((tuple(_plain(r[k]) for k in keys) for r in rows), key=repr)


def _direct(chart, where: str | None) -> list[dict[str, object]]:
    with db.engine(DATA_DATABASE).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(queries.direct_sql(chart, where)))]


@pytest.mark.parametrize("chart", REGIONAL, ids=lambda c: c.key)
def test_county_user_numbers_equal_the_mart_filtered_to_the_county(superset_site, county, chart) -> None:
    api = county.rows(chart, superset_site.datasets[chart.dataset])
    expected = _direct(chart, f"county_code = '{COUNTY}'")
    assert expected, f"{chart.dataset} 在 {COUNTY} 没有数据，测试无意义"
    assert _normalised(api, chart) == _normalised(expected, chart)


@pytest.mark.parametrize("chart", decl.CHARTS, ids=lambda c: c.key)
def test_city_user_numbers_equal_the_whole_mart(superset_site, city, chart) -> None:
    api = city.rows(chart, superset_site.datasets[chart.dataset])
    assert _normalised(api, chart) == _normalised(_direct(chart, None), chart)


@pytest.mark.parametrize("table", [d.table for d in decl.DATASETS if d.region_column])
def test_other_counties_never_appear(superset_site, county, city, table) -> None:
    metric = decl.dataset(table).metrics[0].name
    by_county = decl.Chart(
        "probe", "probe", table, "table", (metric,), columns=("county_code", "county_name")
    )
    dataset_id = superset_site.datasets[table]
    in_mart = {r["county_code"] for r in _direct(by_county, None)}
    assert COUNTY in in_mart and len(in_mart) > 1, f"{table}: 需要 {COUNTY} 与其他区县的数据"
    seen = {r["county_code"]: r["county_name"] for r in county.rows(by_county, dataset_id)}
    assert seen == {COUNTY: regions.COUNTIES[COUNTY]}
    everywhere = {r["county_code"] for r in city.rows(by_county, dataset_id)}
    assert everywhere == in_mart


def test_county_user_cannot_read_city_only_data(superset_site, county, city) -> None:
    chart = decl.chart("source_tables")
    dataset_id = superset_site.datasets[chart.dataset]
    assert county.chart_data(chart, dataset_id).status_code in {403, 404}
    assert city.chart_data(chart, dataset_id).status_code == 200
    titles = {d["dashboard_title"] for d in county.get("/api/v1/dashboard/").json()["result"]}
    assert titles == {d.title for d in decl.DASHBOARDS if not d.city_only}
    city_titles = {d["dashboard_title"] for d in city.get("/api/v1/dashboard/").json()["result"]}
    assert city_titles == {d.title for d in decl.DASHBOARDS}
