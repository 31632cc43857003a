"""The legacy-history import of the kiosk fleet (simulators.kiosk_legacy_import) on a real `ops`
database: yesterday's ops extraction finds rows in every kiosk table, a second import changes
nothing, and the blank-card ledger and daily statistics stay exact."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from pipeline import extract
from pipeline.ingest import window_end
from pipeline.routes import routes_of
from simulators import kiosk_fleet
from simulators import kiosk_legacy_import as legacy

DATABASE = "ops_legacy_import"
NOW = datetime(2026, 11, 28, 19, 48, tzinfo=UTC)  # Beijing 11-29 03:48: the history ends 11-29 00:00
YESTERDAY = date(2026, 11, 27)  # the pipeline's business date (T+1)
DEVICES, DAYS = 4, 3
KIOSK_TABLES = (
    "terminal_device",
    "terminal_state_change",
    "terminal_selfcheck_item",
    "terminal_alarm",
    "card_blank_addition",
    "card_blank_usage",
    "card_issuance",
    "card_finished",
)
ALL_TABLES = (
    *KIOSK_TABLES,
    "terminal_selfcheck",
    "terminal_state",
    "card_pickup",
    "card_blank_stock",
    "card_stats_daily",
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ops():
    from services import migrations
    from yikatong import db

    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{DATABASE}" with (force)'))
    admin.dispose()
    migrations.upgrade(DATABASE)
    kiosk_fleet.state_path().unlink(missing_ok=True)  # a fresh fleet: serials from 0
    seen: list[str] = []
    first = legacy.import_history(DATABASE, devices=DEVICES, days=DAYS, now=NOW, progress=seen.append)
    return db.engine(DATABASE), first, seen


def _fingerprint(conn, table: str) -> tuple[int, str]:
    """Row count and an md5 over the rows (ordered), so any change shows."""
    rows = conn.execute(
        sa.text(
            f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {table} t"
        )
    ).one()
    return int(rows[0]), rows[1]


def test_yesterdays_ops_extraction_finds_every_kiosk_table(ops):
    engine, first, seen = ops
    assert first.devices == DEVICES and seen, "progress is reported"
    assert first.end == datetime(2026, 11, 28, 16, tzinfo=UTC) and (first.end - first.start).days == DAYS
    high = window_end(YESTERDAY)
    found = {}
    with engine.connect() as conn:
        for route in routes_of("ops"):
            if route.table not in KIOSK_TABLES:
                continue
            if route.mode == "incremental":
                sql, params = extract.window_query(route, None, high)
                sql = sql.replace("$1", ":p1").replace("$2", ":p2")
                bound = {f"p{i + 1}": p for i, p in enumerate(params)}
            else:
                sql, bound = f"select * from {route.table}", {}
            found[route.table] = conn.scalar(sa.text(f"select count(*) from ({sql}) w"), bound)
        # and within yesterday itself (Beijing), the business day the marts show
        day = conn.scalar(
            sa.text(
                "select count(*) from card_blank_usage where (received_at at time zone "
                "'Asia/Shanghai')::date = :d"
            ),
            {"d": YESTERDAY},
        )
    assert all(found[t] > 0 for t in KIOSK_TABLES), found
    assert day > 0


def test_the_devices_have_a_past_and_the_live_fleet_continues_them(ops):
    from simulators import kiosk_fleet
    from simulators.kiosk_api import CredentialStore, layout

    engine, first, _ = ops
    ids = [d for d, _ in layout(DEVICES)]
    with engine.connect() as conn:
        devices = conn.execute(
            sa.text(
                "select device_id, created_at, updated_at, registered_by from "
                "terminal_device order by device_id"
            )
        ).all()
        top = conn.scalar(
            sa.text("select max(card_no) from card_finished where card_no like :p"), {"p": ids[0] and "%"}
        )
    assert [d.device_id for d in devices] == sorted(ids)
    assert {(d.created_at, d.updated_at, d.registered_by) for d in devices} == {
        (first.start, first.start, legacy.IMPORTER)
    }
    assert set(ids) <= set(CredentialStore().secrets), "the live fleet signs with the imported credential"
    state = kiosk_fleet.load_state()
    assert all(state[d]["serial"] > 0 and state[d]["event_seq"] > 0 for d in ids)
    assert top is not None


def test_a_second_import_changes_nothing(ops):
    engine, _, _ = ops
    with engine.connect() as conn:
        before = {t: _fingerprint(conn, t) for t in ALL_TABLES}
    again = legacy.import_history(DATABASE, devices=DEVICES, days=DAYS, now=NOW)
    later = legacy.import_history(
        DATABASE, devices=DEVICES, days=DAYS, now=datetime(2026, 11, 30, tzinfo=UTC)
    )
    assert again.devices == 0 and later.devices == 0 and "未重复导入" in again.line()
    assert legacy.pending(DATABASE, devices=DEVICES, days=DAYS, now=NOW) == 0
    with engine.connect() as conn:
        assert {t: _fingerprint(conn, t) for t in ALL_TABLES} == before


def test_the_blank_card_ledger_and_statistics_stay_exact(ops):
    engine, _, _ = ops
    with engine.connect() as conn:
        ledger = conn.execute(
            sa.text("""
            select s.device_id, s.added_total, s.used_total,
                   (select coalesce(sum(quantity), 0) from card_blank_addition a
                    where a.device_id = s.device_id),
                   (select coalesce(sum(quantity), 0) from card_blank_usage u
                    where u.device_id = s.device_id)
            from card_blank_stock s""")
        ).all()
        stats = conn.execute(
            sa.text("select sum(blank_added), sum(blank_used), sum(waste), sum(issued) from card_stats_daily")
        ).one()
        totals = conn.execute(
            sa.text("""
            select (select sum(quantity) from card_blank_addition),
                   (select sum(quantity) from card_blank_usage),
                   (select sum(quantity) from card_blank_usage where usage = '废卡'),
                   (select count(*) from card_issuance)""")
        ).one()
        picked = conn.execute(
            sa.text("""
            select (select count(*) from card_pickup where result = '领卡成功'),
                   (select count(*) from card_issuance where issue_type = '领卡'),
                   (select count(*) from card_finished where state = '领卡成功')""")
        ).one()
        reissued = conn.scalar(
            sa.text("""
            select count(*) from card_issuance i where issue_type in ('补卡', '换卡') and not exists (
                select 1 from card_blank_usage u
                where u.device_id = i.device_id and u.event_id = i.event_id)""")
        )
    assert len(ledger) == DEVICES
    for device_id, added, used, additions, usages in ledger:
        assert (added, used) == (additions, usages), device_id
        assert added - used >= 0
    assert tuple(int(v) for v in stats) == tuple(int(v) for v in totals)
    assert picked[0] == picked[1] == picked[2] > 0
    assert reissued == 0, "every 补卡 / 换卡 used a blank card"


def test_a_device_the_live_fleet_registered_today_gets_its_past_and_keeps_its_present():
    """A home from before the import: the live fleet registered the kiosk today, added blank cards,
    used some and holds a newer state with an open alarm. The import gives it its past and keeps
    the present (ledger raised by exactly the imported rows, the live state and alarm untouched)."""
    from services import migrations
    from services.terminals import credentials
    from simulators.kiosk_api import layout
    from yikatong import db

    database = DATABASE + "_live"
    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{database}" with (force)'))
    admin.dispose()
    migrations.upgrade(database)
    device_id, outlet = layout(1)[0]
    today = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
    engine = db.engine(database)
    with engine.begin() as conn:
        conn.execute(
            sa.text("""insert into terminal_device (device_id, name, device_type, outlet_code, region_code,
                address, status, credential, credential_issued_at, registered_by, created_at, updated_at)
                values (:d, '模拟自助机8001号', '自助制发卡一体机', :o, :r, '服务大厅', '启用', :c, :t,
                'sysadmin', :t, :t)"""),
            {
                "d": device_id,
                "o": outlet,
                "r": outlet[:9],
                "c": credentials.seal("00" * 32, device_id),
                "t": today,
            },
        )
        conn.execute(
            sa.text("insert into card_blank_stock values (:d, 300, 5, :t)"), {"d": device_id, "t": today}
        )
        conn.execute(
            sa.text("""insert into terminal_state (device_id, online, running_state, faults,
                last_heartbeat_at) values (:d, true, '正常', '[]', :t)"""),
            {"d": device_id, "t": today},
        )
        for kind in (
            "offline",
            "card_reader",
            "id_reader",
            "camera",
            "receipt_printer",
            "network",
            "ribbon",
            "paper",
        ):
            conn.execute(
                sa.text("""insert into terminal_alarm (device_id, alarm_type, severity, message, status,
                    raised_at) values (:d, :k, '一般', '实时告警', '未处理', :t)"""),
                {"d": device_id, "k": kind, "t": today},
            )
    assert legacy.pending(database, devices=1, days=DAYS, now=NOW) == 1
    result = legacy.import_history(database, devices=1, days=DAYS, now=NOW)
    assert result.devices == 1 and result.rows["terminal_device"] == 1
    with engine.connect() as conn:
        created = conn.execute(sa.text("select created_at, updated_at from terminal_device")).one()
        stock = conn.execute(sa.text("select added_total, used_total from card_blank_stock")).one()
        added = conn.scalar(sa.text("select sum(quantity) from card_blank_addition"))
        used = conn.scalar(sa.text("select sum(quantity) from card_blank_usage"))
        state = conn.execute(sa.text("select online, last_heartbeat_at from terminal_state")).one()
        live_open = conn.scalar(sa.text("select count(*) from terminal_alarm where message = '实时告警' "
                                        "and status = '未处理'"))  # fmt: skip
        imported_open = conn.scalar(sa.text("select count(*) from terminal_alarm where message <> '实时告警' "
                                            "and status <> '已清除'"))  # fmt: skip
    assert tuple(created) == (result.start, result.start)
    assert tuple(stock) == (300 + added, 5 + used)
    assert tuple(state) == (True, today), "the newer live state stays"
    assert live_open == 8 and imported_open == 0
    assert legacy.import_history(database, devices=1, days=DAYS, now=NOW).devices == 0
