"""The dbt project's files: the region seed matches the code, the profile reads the platform settings."""

from __future__ import annotations

import json
from datetime import date

import yaml

from pipeline import region_seed, transform
from yikatong import regions


def test_region_seed_is_the_region_tree() -> None:
    assert region_seed.SEED.read_text(encoding="utf-8") == region_seed.render(), (
        "dbt/seeds/ref_region.csv is stale: run `python -m pipeline.region_seed`"
    )
    rows = {r["region_code"]: r for r in region_seed.rows()}
    assert len(rows) == len(regions.all_regions())
    outlet = regions.outlets("511102")[0]
    assert rows[outlet.code]["county_code"] == "511102"
    assert rows[outlet.code]["county_name"] == "市中区"
    assert rows[outlet.code]["township_code"] == outlet.code[:9]
    assert rows["511100"]["county_code"] == "", "the city belongs to no county"


def test_profile_reads_the_socket_directory_and_database(monkeypatch, tmp_path) -> None:
    from yikatong import db
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_DATABASE_URL", "postgresql://ana:s3cret@/postgres?host=/run/pg&port=6543")
    monkeypatch.setenv("YKT_HOME", str(tmp_path))
    get_settings.cache_clear()
    db.server_url.cache_clear()
    try:
        env = transform.dbt_env()
    finally:
        get_settings.cache_clear()
        db.server_url.cache_clear()
    assert env["DBT_PG_HOST"] == "/run/pg" and env["DBT_PG_PORT"] == "6543"
    assert env["DBT_PG_USER"] == "ana" and env["DBT_PG_PASSWORD"] == "s3cret"
    assert env["DBT_PG_DATABASE"] == "analytics"
    profile = yaml.safe_load((transform.PROJECT_DIR / "profiles.yml").read_text())
    output = profile["yikatong"]["outputs"]["analytics"]
    assert "DBT_PG_HOST" in output["host"] and "s3cret" not in json.dumps(profile), "no secret in the repo"


def test_build_is_as_of_the_business_date() -> None:
    assert transform.build_args() == ["build"]
    args = transform.build_args(date(2026, 11, 27))
    assert args[:2] == ["build", "--vars"] and json.loads(args[2]) == {"as_of": "2026-11-27"}
