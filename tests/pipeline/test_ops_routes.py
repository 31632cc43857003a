"""The services' own tables (ops) through the pipeline: ingest → silver.ops_* → analytics.raw_ops_*.

A migrated ops database of our own gets a few kiosk and card rows (as the services store them:
personal data as token + ciphertext + mask, the kiosk secret encrypted); one date runs end to end,
reconciles exactly, loads the columns the dbt sources read without any ciphertext, and a rerun
writes identical tables. The next date's changes arrive incrementally. A machine whose ops database
or tables do not exist yet skips the routes with the reason instead of failing.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from pipeline import conform, ingest, ledger, load, reconcile
from pipeline.routes import routes_of
from spark_jobs import ops
from yikatong import db, lake

pytestmark = [pytest.mark.integration, pytest.mark.spark]
DS, NEXT = date(2032, 3, 14), date(2032, 3, 15)
OPS_DB, EMPTY_DB, MISSING_DB = "ops_pipeline_test", "ops_pipeline_empty_test", "ops_pipeline_missing_test"
SCHEMA = "test_ops_load"
ROUTES = tuple(routes_of("ops"))
DATASETS = [r.contract for r in ROUTES]
TOWN, OUTLET = "511102004", "511102004001"  # 大佛街道 and its 便民服务中心 (real codes of the tree)
# dbt staging reads these columns (dbt/models/staging/ops/*.sql)
DBT_COLUMNS = {
    "terminal_device": {"device_id", "name", "device_type", "outlet_code", "region_code", "status",
                        "created_at"},
    "terminal_state_change": {"id", "device_id", "at", "kind", "from_state", "to_state", "cause"},
    "terminal_selfcheck_item": {"selfcheck_id", "component", "device_id", "checked_at", "result", "level",
                                "code"},
    "terminal_alarm": {"id", "device_id", "alarm_type", "severity", "status", "raised_at", "cleared_at"},
    "card_blank_addition": {"id", "device_id", "outlet_code", "region_code", "quantity", "added_at"},
    "card_blank_usage": {"id", "device_id", "event_id", "outlet_code", "region_code", "usage", "quantity",
                         "card_no", "occurred_at"},
    "card_issuance": {"id", "device_id", "event_id", "outlet_code", "region_code", "issue_type", "card_no",
                      "old_card_no", "issued_at"},
    "card_finished": {"card_no", "device_id", "outlet_code", "region_code", "state", "read_at",
                      "picked_up_at", "failure_reason", "updated_at"},
    "access_log": {"id", "at", "actor_kind", "actor_token", "channel", "module", "method", "endpoint",
                   "status", "result", "error_code", "latency_ms", "county_code", "object_id"},
}  # fmt: skip
ROWS = {name: n for name, n in zip(DBT_COLUMNS, (2, 2, 2, 1, 1, 1, 1, 1, 2), strict=True)}

SEED = f"""
insert into terminal_device (device_id, name, device_type, outlet_code, region_code, address, status,
    credential, registered_by, created_at, updated_at, credential_issued_at) values
  ('LS0001', '大佛街道一体机1', '自助制发卡一体机', '{OUTLET}', '{TOWN}', '大佛街道1号', '启用',
   'k1$SECRET-CIPHERTEXT-1', 'sysadmin', '2032-03-14 08:00+00', '2032-03-14 08:00+00', '2032-03-14 08:00+00'),
  ('LS0002', '大佛街道一体机2', '自助制发卡一体机', '{OUTLET}', '{TOWN}', '大佛街道1号', '停用',
   'k1$SECRET-CIPHERTEXT-2', 'sysadmin', '2032-03-14 08:00+00', '2032-03-14 08:30+00', '2032-03-14 08:00+00');
insert into terminal_state_change (device_id, at, kind, from_state, to_state, faults, cause) values
  ('LS0001', '2032-03-14 09:00+00', '在线', '离线', '在线', '[]', '心跳'),
  ('LS0001', '2032-03-14 09:05+00', '运行', '正常', '异常', '["ribbon"]', '心跳');
insert into terminal_selfcheck (id, device_id, checked_at, received_at, result, failed_count)
  overriding system value values (7, 'LS0001', '2032-03-14 08:59+00', '2032-03-14 09:00+00', '未通过', 1);
insert into terminal_selfcheck_item (selfcheck_id, component, device_id, checked_at, result, level, code)
  values
  (7, 'ribbon', 'LS0001', '2032-03-14 08:59+00', '异常', 4, 'E-RIB'),
  (7, 'camera', 'LS0001', '2032-03-14 08:59+00', '正常', null, null);
insert into terminal_alarm (device_id, alarm_type, severity, message, status, raised_at) values
  ('LS0001', 'ribbon', '一般', '色带余量低', '未处理', '2032-03-14 09:05+00');
insert into card_blank_addition (device_id, outlet_code, region_code, quantity, operator, added_at) values
  ('LS0001', '{OUTLET}', '{TOWN}', 100, 'sysadmin', '2032-03-14 08:10+00');
insert into card_blank_usage (device_id, event_id, outlet_code, region_code, usage, quantity, card_no,
    occurred_at, received_at) values
  ('LS0001', 'ev-1', '{OUTLET}', '{TOWN}', '制卡', 1, 'B00000019', '2032-03-14 10:00+00',
   '2032-03-14 10:00+00');
insert into card_issuance (device_id, event_id, outlet_code, region_code, issue_type, card_no,
    holder_id_token, holder_id_cipher, holder_id_masked, holder_name_cipher, holder_name_masked, issued_at,
    received_at) values
  ('LS0001', 'ev-2', '{OUTLET}', '{TOWN}', '补卡', 'B00000019', 'tok-holder-1', 'k1$ID-CIPHERTEXT',
   '511102********1234', 'k1$NAME-CIPHERTEXT', '张*', '2032-03-14 10:01+00', '2032-03-14 10:01+00');
insert into card_finished (card_no, device_id, outlet_code, region_code, holder_id_token, holder_id_cipher,
    holder_id_masked, holder_name_cipher, holder_name_masked, state, read_at, uploaded_at, updated_at)
  values
  ('B00000027', 'LS0001', '{OUTLET}', '{TOWN}', 'tok-holder-2', 'k1$ID-CIPHERTEXT-2', '511102********5678',
   'k1$NAME-CIPHERTEXT-2', '李*', '待领', '2032-03-14 11:00+00', '2032-03-14 11:00+00',
   '2032-03-14 11:00+00');
insert into access_log (at, actor_kind, actor_token, channel, module, method, endpoint, operation, status,
    result, error_code, latency_ms, ip_masked, county_code, place, request_id) values
  ('2032-03-14 09:00+00', 'device', 'LS0001', '自助终端', '终端接口', 'POST', '/api/v1/device/heartbeat',
   '设备心跳', 200, '2xx', null, 6.5, '10.102.3.0/24', '511102', '市中区', 'r1'),
  ('2032-03-14 09:01+00', 'staff', 'staff:1', '工作人员后台', '设备管理', 'GET',
   '/api/v1/admin/devices/{{device_id}}', 'device.read', 404, '4xx', 'NOT_FOUND', 3.2, '172.20.1.0/24',
   '511100', '乐山市政务外网', 'r2');
"""
NEXT_DAY = """
update terminal_device set name = '大佛街道一体机1（迁址）', updated_at = '2032-03-15 09:00+00'
  where device_id = 'LS0001';
insert into terminal_state_change (device_id, at, kind, from_state, to_state, faults, cause) values
  ('LS0001', '2032-03-15 09:10+00', '运行', '异常', '正常', '[]', '心跳');
"""


def _drop(name: str) -> None:
    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def _forget(days: tuple[date, ...] = (DS, NEXT)) -> None:
    """Our dates' batches and reconciliation rows (the pipeline tables are shared in `analytics`)."""
    ledger.ensure_schema()
    reconcile.ensure_schema()
    ids = [r.route_id for r in ROUTES]
    with db.engine("analytics").begin() as conn:
        for table in (ledger.batch, reconcile.reconciliation):
            conn.execute(table.delete().where(table.c.route_id.in_(ids), table.c.logical_date.in_(days)))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """An ops database of our own (migrated, seeded), a lake and an analytics schema of our own."""
    from services import migrations
    from yikatong.settings import get_settings

    patch = pytest.MonkeyPatch()
    patch.setenv("YKT_LAKE_URI", str(tmp_path_factory.mktemp("ops-lake")))
    patch.setenv("YKT_OPS_DATABASE", OPS_DB)
    patch.setattr(load, "SCHEMA", SCHEMA)
    get_settings.cache_clear()
    _drop(OPS_DB)
    migrations.upgrade(OPS_DB)
    with db.engine(OPS_DB).begin() as conn:
        conn.exec_driver_sql(SEED)
    with db.engine("analytics").begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {SCHEMA} cascade; create schema {SCHEMA}"))
    _forget()
    yield
    _forget()
    with db.engine("analytics").begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {SCHEMA} cascade"))
    _drop(OPS_DB)
    patch.undo()
    get_settings.cache_clear()


def run_date(ds: date, spark) -> tuple[list, list[dict], dict[str, int]]:
    """ingest every ops route → conform the ops datasets → reconcile → load, for ``ds``."""
    batches = [ingest.ingest_database_route(r, ds) for r in ROUTES]
    done = conform.conform(DATASETS, ds, spark)
    assert [c.error for c in done] == [None] * len(done)
    return batches, reconcile.run(ds, ROUTES), load.run(ds)


def raw(table: str) -> list[dict]:
    key = "card_no" if table == "card_finished" else "device_id" if table == "terminal_device" else "1"
    with db.engine("analytics").connect() as conn:
        rows = conn.execute(sa.text(f"select * from {SCHEMA}.raw_ops_{table} order by {key}, 2"))
        return [dict(r._mapping) for r in rows]


@pytest.fixture(scope="module")
def first_run(world, spark):
    return run_date(DS, spark)


def test_one_date_lands_in_analytics_with_the_dbt_columns(first_run) -> None:
    batches, checks, loaded = first_run
    assert all(b.reconciled and b.skipped is None for b in batches)
    assert {b.route_id: b.rows for b in batches} == {f"ops.{t}": n for t, n in ROWS.items()}
    assert all(row["ok"] for row in checks), [row["note"] for row in checks if not row["ok"]]
    assert {row["route_id"]: row["silver_rows"] for row in checks} == {f"ops.{t}": n for t, n in ROWS.items()}
    for table, columns in DBT_COLUMNS.items():
        assert loaded[f"raw_ops_{table}"] == ROWS[table]
        rows = raw(table)
        assert len(rows) == ROWS[table] and columns <= set(rows[0]), table
    issued = raw("card_issuance")[0]
    assert (issued["issue_type"], issued["region_code"], issued["holder_id_masked"]) == (
        "补卡",
        TOWN,
        "511102********1234",
    )
    assert [d["status"] for d in raw("terminal_device")] == ["启用", "停用"]


def test_no_ciphertext_or_secret_reaches_silver_or_analytics(first_run) -> None:
    for table in DBT_COLUMNS:
        columns = set(raw(table)[0])
        silver = lake.read(lake.table_uri(f"silver.ops_{table}"))
        for names in (columns, set(silver.column_names)):
            assert not {c for c in names if c.endswith("_cipher")} and "credential" not in names, table
        values = " ".join(str(v) for row in raw(table) for v in row.values())
        assert "CIPHERTEXT" not in values, table


def test_a_rerun_of_the_date_writes_identical_tables(first_run, spark) -> None:
    before = {t: raw(t) for t in DBT_COLUMNS}
    silver = {t: lake.read(lake.table_uri(f"silver.ops_{t}")) for t in DBT_COLUMNS}
    batches, checks, _ = run_date(DS, spark)
    assert all(b.reconciled for b in batches) and all(row["ok"] for row in checks)
    assert {t: raw(t) for t in DBT_COLUMNS} == before
    for table, rows in silver.items():
        assert lake.read(lake.table_uri(f"silver.ops_{table}")).equals(rows), table


def test_the_next_date_takes_only_the_changes(first_run, spark) -> None:
    with db.engine(OPS_DB).begin() as conn:
        conn.exec_driver_sql(NEXT_DAY)
    batches, checks, _ = run_date(NEXT, spark)
    took = {b.route_id: b.rows for b in batches}
    assert took["ops.terminal_device"] == 1 and took["ops.terminal_state_change"] == 1
    assert took["ops.card_issuance"] == 0 and took["ops.terminal_alarm"] == 1  # snapshot: whole table
    assert all(row["ok"] for row in checks), [row["note"] for row in checks if not row["ok"]]
    devices = raw("terminal_device")
    assert [d["name"] for d in devices] == ["大佛街道一体机1（迁址）", "大佛街道一体机2"]
    assert len(raw("terminal_state_change")) == 3 and len(raw("card_issuance")) == 1


@pytest.mark.parametrize(("database", "reason"), [(MISSING_DB, "尚不存在"), (EMPTY_DB, "尚无表")])
def test_an_ops_database_not_migrated_yet_is_skipped(database, reason, tmp_path, monkeypatch, spark) -> None:
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_LAKE_URI", str(tmp_path / "lake"))
    monkeypatch.setenv("YKT_OPS_DATABASE", database)
    get_settings.cache_clear()
    _drop(MISSING_DB)
    db.ensure_databases((EMPTY_DB,))
    day = date(2032, 1, 9)
    _forget((day,))
    try:
        result = ingest.ingest_database_route(ROUTES[0], day)
        assert result.skipped and reason in result.skipped and result.rows == 0
        assert not lake.exists(lake.table_uri(ROUTES[0].bronze))
        assert ops.job("terminal_device").main(day, spark).rows_in == 0
        (check,) = reconcile.run(day, ROUTES[:1])
        assert check["ok"] and reason in check["note"]
    finally:
        _forget((day,))
        _drop(EMPTY_DB)
        get_settings.cache_clear()
