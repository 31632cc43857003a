"""DAG policy: every DAG parses in Airflow's own environment and follows the house rules.

The DagBag is filled by `.venv-airflow/bin/python` (a subprocess, as Airflow's dag-processor would);
the core never imports Airflow. Plus unit tests of the pure helpers the DAGs and the runner share.
"""

from __future__ import annotations

import shlex
from datetime import date
from types import SimpleNamespace

import pytest

from pipeline import airflow_env, orchestrate
from pipeline.routes import ROUTES, SOURCES, routes_of

needs_airflow = pytest.mark.skipif(
    not airflow_env.AIRFLOW_PYTHON.exists(), reason="no .venv-airflow (make setup)"
)


@pytest.fixture(scope="module")
def bag() -> dict:
    return orchestrate.inspect_dags()


def _tasks(bag: dict):
    for dag_id, info in bag["dags"].items():
        for task_id, task in info["tasks"].items():
            yield dag_id, task_id, task


@pytest.mark.airflow
@needs_airflow
class TestDagBag:
    def test_no_import_errors_and_the_expected_dags(self, bag):
        assert bag["import_errors"] == {}
        ingest = {f"ingest_{name}" for name in SOURCES}
        spine = ingest | {"conform_silver", "load_analytics"}
        assert spine <= set(bag["dags"]), "the spine; later issues add DAGs downstream of it"
        assert not {d for d in bag["dags"] if d.startswith("ingest_")} - ingest, "ingest DAGs = sources"

    def test_one_ingest_task_per_route_with_its_bronze_outlet(self, bag):
        for name, source in SOURCES.items():
            info = bag["dags"][f"ingest_{name}"]
            routes = routes_of(name)
            assert {t: v["outlets"] for t, v in info["tasks"].items()} == {
                r.table: [r.bronze] for r in routes
            }
            assert info["schedule"] == "0 0 * * *"  # @daily
            assert source.title in info["doc_md"]
            assert all(r.table in info["doc_md"] for r in routes), "each DAG documents its routes"

    def test_every_dag_follows_the_house_rules(self, bag):
        starts = set()
        for dag_id, info in bag["dags"].items():
            assert len(info["tags"]) >= 2, f"{dag_id}: tags [layer, domain]"
            assert info["catchup"] is False, dag_id
            assert len(info["doc_md"].strip()) > 100, f"{dag_id}: documented"
            assert info["start_tz"] == "UTC", dag_id
            starts.add(info["start_date"])
        assert starts == {"2026-01-01T00:00:00+00:00"}, "one fixed start date"

    def test_every_task_retries_times_out_and_calls_the_core(self, bag):
        for dag_id, task_id, task in _tasks(bag):
            assert task["retries"] >= 2, f"{dag_id}.{task_id}"
            assert 0 < task["retry_delay"] <= 60, f"{dag_id}.{task_id}: a short retry delay"
            assert task["execution_timeout"], f"{dag_id}.{task_id}"
            assert task["operator"] == "_BashDecoratedOperator", f"{dag_id}.{task_id}: a thin shell call"

    def test_assets_chain_ingest_to_conform_to_load(self, bag):
        dags = bag["dags"]
        bronze = {
            a
            for d, i in dags.items()
            if d.startswith("ingest_")
            for t in i["tasks"].values()
            for a in t["outlets"]
        }
        assert bronze == {r.bronze for r in ROUTES}
        assert set(dags["conform_silver"]["schedule_assets"]) == bronze
        conform = dags["conform_silver"]["tasks"]
        silver = {a for t in conform.values() for a in t["outlets"]}
        assert silver == {f"silver.{n}" for n in airflow_env.silver_datasets()}
        assert "silver.card_use_event" in silver
        assert set(dags["load_analytics"]["schedule_assets"]) == silver
        assert dags["load_analytics"]["tasks"]["load"]["outlets"] == ["analytics.raw"]
        assert set(conform["reconcile"]["upstream"]) == {
            f"conform_{d}"
            for d in ("people_and_cards", "insurance_and_business", "events_and_directories", "ops")
        }
        assert conform["monitor"]["upstream"] == ["reconcile"]

    def test_dag_order_puts_ingest_first(self, bag):
        order = orchestrate.dag_order(bag["dags"])
        ingest = [i for i, dag in enumerate(order) if dag.startswith("ingest_")]
        assert {order[i] for i in ingest} == {f"ingest_{name}" for name in SOURCES}
        assert ingest == list(range(len(ingest))), "every ingest DAG first"
        assert order.index("conform_silver") < order.index("load_analytics")
        # the portrait marts read gold: dbt runs after the gold load, not a day behind it
        assert order.index("build_gold") < order.index("transform_marts")
        assert (
            order.index("load_analytics") < order.index("transform_marts") < order.index("precision_service")
        )

    def test_parsing_is_fast_and_does_no_top_level_work(self, bag):
        assert bag["parse_seconds"] < 5
        # the DAG files read the route declarations; the core (settings, Spark, lake, GX) loads in tasks
        assert "pipeline" in bag["imported"]
        heavy = {"yikatong", "simulators", "services", "spark_jobs", "contracts", "pyspark", "deltalake",
                 "great_expectations", "pandas", "pyarrow", "psycopg", "pydantic_settings"}  # fmt: skip
        assert not heavy & set(bag["imported"]), bag["imported"]


# ---- pure helpers (no Airflow needed) -------------------------------------------------------------


def test_topological_order_and_cycle():
    graph = {"load": {"conform"}, "conform": {"ingest_b", "ingest_a"}, "ingest_a": set(), "ingest_b": set()}
    assert orchestrate.topological(graph) == ["ingest_a", "ingest_b", "conform", "load"]
    assert orchestrate.levels(graph) == [["ingest_a", "ingest_b"], ["conform"], ["load"]]
    with pytest.raises(airflow_env.AirflowError, match="环"):
        orchestrate.topological({"a": {"b"}, "b": {"a"}})


def test_asset_graph_links_producers_to_consumers():
    dags = {
        "p": {"schedule_assets": [], "tasks": {"t": {"outlets": ["x"]}}},
        "q": {"schedule_assets": ["x"], "tasks": {"t": {"outlets": ["y"]}}},
        "r": {"schedule_assets": ["y", "unknown"], "tasks": {}},
    }
    assert orchestrate.asset_graph(dags) == {"p": set(), "q": {"p"}, "r": {"q"}}


def test_task_command_calls_the_core_python(monkeypatch):
    monkeypatch.delenv("YKT_CORE_PYTHON", raising=False)
    cmd = shlex.split(airflow_env.task_command("ingest", "--route", "card_system.kgl_card", ds="2026-11-27"))
    assert cmd == [str(airflow_env.CORE_PYTHON), "-m", "pipeline.tasks", "ingest", "--route",
                   "card_system.kgl_card", "--ds", "2026-11-27"]  # fmt: skip


def _event(ds):
    return SimpleNamespace(extra={"ds": ds} if ds else {})


def test_resolve_ds_from_logical_date_conf_or_asset_events():
    assert airflow_env.resolve_ds({"logical_date": object(), "ds": "2026-11-27"}) == "2026-11-27"
    run = SimpleNamespace(conf={"ds": "2026-11-26"})
    assert airflow_env.resolve_ds({"logical_date": None, "dag_run": run}) == "2026-11-26"
    events = {"a": [_event("2026-11-25"), _event(None)], "b": [_event("2026-11-27")]}
    context = {"logical_date": None, "dag_run": SimpleNamespace(conf={}), "triggering_asset_events": events}
    assert airflow_env.resolve_ds(context) == "2026-11-27"
    with pytest.raises(ValueError, match="业务日期"):
        airflow_env.resolve_ds({"logical_date": None, "dag_run": SimpleNamespace(conf={})})


def test_silver_datasets_are_the_route_contracts():
    names = airflow_env.silver_datasets()
    assert len(names) == len(set(names))
    assert set(names) == {r.contract for r in ROUTES if r.contract} | {"card_use_event"}


def test_airflow_env_isolates_airflow_and_passes_settings(monkeypatch, tmp_path):
    from yikatong import db
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_HOME", str(tmp_path))
    monkeypatch.setenv("YKT_AIRFLOW_PORT", "18123")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")  # a stray setting must not leak in
    monkeypatch.setattr(db, "url_for", lambda name, driver: db.make_url(f"{driver}://u:p@/{name}?host=/s"))
    get_settings.cache_clear()
    try:
        env = airflow_env.airflow_env()
    finally:
        get_settings.cache_clear()
    assert env["AIRFLOW_HOME"] == str(tmp_path.resolve() / "airflow")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://u:p@/airflow")
    assert env["YKT_DATABASE_URL"].startswith("postgresql+psycopg://u:p@/postgres"), "tasks: same server"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1" and env["AIRFLOW__API__PORT"] == "18123"
    assert env["YKT_HOME"] == str(tmp_path.resolve()) and env["GX_ANALYTICS_ENABLED"] == "false"
    assert env["PYTHONPATH"] == str(airflow_env.REPO_ROOT)
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(airflow_env.DAGS_FOLDER)
    assert "PYTHONDONTWRITEBYTECODE" not in env
    broken = airflow_env.airflow_env(
        with_database=False, extra={"YKT_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}
    )
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in broken and broken["YKT_DATABASE_URL"].endswith(":1/x")


def test_demo_login_outside_prod_only(monkeypatch, tmp_path):
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        airflow_env.ensure_home()
        assert airflow_env.login() == ("admin", "admin")
        assert airflow_env.passwords_file().read_text().strip() == '{"admin": "admin"}'
    finally:
        get_settings.cache_clear()


def test_pipeline_run_message_names_dag_task_and_log(tmp_path):
    failed = airflow_env.DagRunResult(
        "ingest_card_system", date(2026, 11, 27), False, 12.0, tmp_path / "x.log",
        {"kgl_card": airflow_env.TaskOutcome("failed", 3)}, "kgl_card", "connection refused",
    )  # fmt: skip
    run = orchestrate.PipelineRun(date(2026, 11, 27), ["ingest_card_system", "conform_silver"], [failed])
    assert not run.ok and run.failed is failed
    text = run.message
    for part in (
        "失败",
        "failed",
        "ingest_card_system",
        "kgl_card",
        "3",
        "connection refused",
        "x.log",
        "conform_silver",
    ):
        assert part in text


def test_pipeline_run_profile_splits_task_time_from_airflow_overhead(tmp_path):
    def dag(dag_id: str, seconds: float, **tasks: float | None) -> airflow_env.DagRunResult:
        outcomes = {t: airflow_env.TaskOutcome("success", 1, s) for t, s in tasks.items()}
        ds = date(2026, 11, 27)
        return airflow_env.DagRunResult(dag_id, ds, True, seconds, tmp_path / "x.log", outcomes)

    ingest = dag("ingest_business", 40.0, ywk_code=3.0, ywk_transaction=5.0)
    conform = dag("conform_silver", 100.0, conform_ops=70.0, reconcile=None)
    order = ["ingest_business", "conform_silver"]
    run = orchestrate.PipelineRun(date(2026, 11, 27), order, [ingest, conform])
    run.seconds = 150.0
    assert run.task_seconds() == [
        ("conform_silver.conform_ops", 70.0),
        ("ingest_business.ywk_transaction", 5.0),
        ("ingest_business.ywk_code", 3.0),
    ]
    profile = run.profile()
    assert profile["seconds"] == 150.0 and profile["ds"] == "2026-11-27"
    assert profile["dags"]["ingest_business"] == {"seconds": 40.0, "airflow_overhead": 32.0}
    assert profile["dags"]["conform_silver"] == {"seconds": 100.0, "airflow_overhead": 30.0}
    assert list(profile["tasks"]) == [name for name, _ in run.task_seconds()]
