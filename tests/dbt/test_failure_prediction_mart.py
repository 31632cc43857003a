"""终端故障预测 end to end in `analytics`: the simulated fleet's self-checks as `raw_ops_*` rows in a
schema of their own, the pipeline task (train, predict, write `raw_terminal_failure_prediction`),
then `dbt build` of `mart_terminal_failure_prediction` beside the real marts (`schema_prefix`)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from pipeline.failure_prediction import task
from tests.dbt import world
from tests.pipeline import failure_history as fleet
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.slow]
OPS, PREFIX = "fp_test_ops", "fp_test_"
SCHEMAS = [OPS, *(PREFIX + s for s in ("staging", "intermediate", "marts", "reference"))]


def _drop_schemas() -> None:
    with db.engine("analytics").begin() as conn:
        for schema in SCHEMAS:
            conn.execute(sa.text(f"drop schema if exists {schema} cascade"))


def read(sql: str) -> pd.DataFrame:
    with db.engine("analytics").connect() as conn:
        return pd.read_sql(sa.text(sql), conn)


@pytest.fixture(scope="module")
def predicted():
    """The history loaded, the task run twice (rows of each run kept), the mart built."""
    from pipeline import transform

    db.ensure_databases(("analytics",))
    _drop_schemas()
    world.load_kiosk_tables(OPS)
    order = f"select * from {OPS}.{task.TABLE} order by device_id, component, prediction_date"
    first = task.run(fleet.AS_OF, schema=OPS)
    first_rows = read(order)
    second = task.run(fleet.AS_OF, schema=OPS)
    variables = {"ops_schema": OPS, "prediction_schema": OPS, "schema_prefix": PREFIX}
    command = ["build", "--select", "+mart_terminal_failure_prediction", "--indirect-selection", "cautious"]
    result = transform.invoke([*command, "--vars", json.dumps(variables)])
    yield {"runs": (first, second), "first_rows": first_rows, "rows": read(order), "dbt": result}
    _drop_schemas()


def test_the_task_trains_on_the_loaded_history_and_is_deterministic(predicted):
    first, second = predicted["runs"]
    assert first.method == "梯度提升树" and first.holdout_auc >= fleet.AUC_FLOOR
    assert first == second
    pd.testing.assert_frame_equal(predicted["first_rows"], predicted["rows"])


def test_the_mart_builds_with_its_data_and_unit_tests(predicted):
    result = predicted["dbt"]
    assert result.success, result.failures
    assert result.statuses.get("pass", 0) >= 10  # the mart's and staging model's data tests, the unit test


def test_the_mart_has_one_row_per_device_and_day_with_the_riskiest_working_component(predicted):
    mart = read(f"select * from {PREFIX}marts.mart_terminal_failure_prediction")
    assert len(mart) == fleet.DEVICES * task.KEEP_DAYS
    assert not mart.duplicated(["device_id", "prediction_date"]).any()
    assert (mart["county_code"] != "000000").all() and mart["county_name"].notna().all()
    rows = predicted["rows"]
    working = rows[~rows["is_faulty"]]
    top = working.groupby(["device_id", "prediction_date"])["failure_probability"].max()
    merged = mart.set_index(["device_id", "prediction_date"]).join(top.rename("expected"), how="inner")
    assert len(merged) >= 0.95 * len(mart)  # a device-day with every component faulty has no prediction
    assert (merged["failure_probability"] - merged["expected"]).abs().max() < 1e-9
    expected_level = pd.cut(merged["expected"], [-1, 0.1 - 1e-12, 0.3 - 1e-12, 2], labels=["低", "中", "高"])
    assert (merged["risk_level"] == expected_level.astype(str)).all()
    index = read(f"select indexdef from pg_indexes where schemaname = '{PREFIX}marts'")["indexdef"]
    assert index.str.contains(r"\(prediction_date, county_code\)").any()  # the dbt post-hook
    assert set(mart["component_name"].dropna()) <= {"读卡器", "身份证阅读器", "摄像头", "凭条打印机", "网络"}
