"""接管既有终端：把自助机旧系统的近期历史一次性导入 `ops`（仅 demo / test 的终端模拟阶段）。

The city does not start with kiosks that exist only from today: the platform takes over a fleet
that ran under the legacy system. Before the live fleet starts, `import_history` writes the fleet's
last `DAYS` days (ending yesterday 24:00 Beijing time) straight into `ops`, as an operator's
import of the legacy system's records, never through the API: the devices registered at the start
of the period (same IDs as the live fleet, `LS-<county>-8001…`), boot self-checks and their
items, the state changes and alarms of hourly heartbeats, blank-card additions and uses, 补卡 /
换卡, finished cards with every pickup attempt and the 领卡 issuances, all with the server times
they would have had. The rows come from the kiosk models (`simulators.kiosk_ops_history`, the
generator the dbt test world uses), including the failure precursors the prediction model learns
from, and are written with COPY in one transaction.

Idempotent: a fleet device registered at or before the period's start already has a past and is
left alone, so a second `make run` (the same day or later) imports nothing and changes nothing.
A fleet device the live fleet registered earlier today (a home from before this import) gets its
past: registered at the period's start, its newer current state and open alarms kept. The
blank-card ledger (`card_blank_stock`) is raised by exactly the imported additions and uses, and
the statistics triggers (`card_stats_daily`) count the imported rows as they count live ones.
The live fleet continues the imported card serials and event counters (`kiosk-fleet/state.json`)
and signs with the credentials issued here (`kiosk-fleet/credentials.json`), so it does not
re-register the devices. Run it while the live fleet is stopped (`kiosk_process.stage_fleet`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa

from simulators.kiosk_model import BEIJING, Kiosk

DAYS = 14
IMPORTER = "legacy-import"  # registered_by / operator of what the import wrote
LOCK = 7_311_402  # pg advisory lock: one import at a time per database


@dataclass(frozen=True)
class ImportResult:
    devices: int  # devices whose past was imported (0: nothing to do)
    rows: dict[str, int]
    start: datetime
    end: datetime

    def line(self) -> str:
        span = (
            f"{self.start.astimezone(BEIJING):%m-%d}–{self.end.astimezone(BEIJING) - timedelta(days=1):%m-%d}"
        )
        if not self.devices:
            return f"终端历史已导入（{span}），未重复导入"
        total = sum(self.rows.values())
        return f"已导入 {self.devices} 台终端 {span} 的历史（{total} 行）"


def period(now: datetime | None = None, days: int = DAYS) -> tuple[datetime, datetime]:
    """The `days` days ending yesterday 24:00 Beijing time (UTC datetimes)."""
    today = (now or datetime.now(UTC)).astimezone(BEIJING).date()
    end = datetime.combine(today, time.min, tzinfo=BEIJING).astimezone(UTC)
    return end - timedelta(days=days), end


def _registration(kiosk: Kiosk) -> dict:
    from simulators.kiosk_api import registration
    from yikatong import regions

    return registration(kiosk) | {"region_code": regions.get(kiosk.outlet_code).parent}


def _without_past(conn: sa.Connection, kiosks: list[Kiosk], start: datetime) -> tuple[list[Kiosk], set[str]]:
    """The kiosks with no past in `ops` yet, and which of them are registered (by the live fleet)."""
    rows = conn.execute(
        sa.text("select device_id, created_at from terminal_device where device_id = any(:ids)"),
        {"ids": [k.device_id for k in kiosks]},
    ).all()
    created = dict(rows)
    todo = [k for k in kiosks if k.device_id not in created or created[k.device_id] > start]
    return todo, {k.device_id for k in todo if k.device_id in created}


def _copy(conn: sa.Connection, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into `table` (psycopg); returns how many."""
    raw = conn.connection.driver_connection
    n = 0
    with raw.cursor() as cur, cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _ids(conn: sa.Connection, table: str, n: int) -> list[int]:
    """`n` values of the table's identity sequence (so later inserts never collide)."""
    query = sa.text(f"select nextval(pg_get_serial_sequence('{table}', 'id')) from generate_series(1, :n)")
    return [int(v) for v in conn.scalars(query, {"n": n})] if n else []


INTEGERS = {"level", "failed_count", "duration_ms", "quantity", "selfcheck_id"}  # pandas makes them floats


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    frame = frame[columns].copy()
    for column in INTEGERS.intersection(columns):
        frame[column] = frame[column].astype("Int64")
    frame = frame.astype(object).where(frame.notna(), None)
    return [tuple(r) for r in frame.itertuples(index=False, name=None)]


def _protected(prefix: str, value, kind: str, *, with_token: bool = True) -> dict:
    from services.cards.personal import stored

    return stored(prefix, value, kind, with_token=with_token)


def pending(
    database: str | None = None,
    *,
    devices: int = 20,
    seed: int = 7,
    days: int = DAYS,
    now: datetime | None = None,
) -> int:
    """How many of the fleet's devices have no past in `ops` yet (0: the import would do nothing)."""
    from services.base.db import database_name
    from simulators import kiosk_fleet
    from yikatong import db

    kiosks = kiosk_fleet.build_kiosks(kiosk_fleet.FleetOptions(devices=devices, seed=seed))
    with db.engine(database or database_name()).connect() as conn:
        return len(_without_past(conn, kiosks, period(now, days)[0])[0])


def import_history(
    database: str | None = None,
    *,
    devices: int = 20,
    seed: int = 7,
    days: int = DAYS,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> ImportResult:
    """Import the fleet's past into `database` (default: the services' `ops`) unless it has one."""
    from services.base.db import database_name
    from simulators import kiosk_fleet, kiosk_ops_history
    from simulators.kiosk_api import CredentialStore
    from yikatong import db

    start, end = period(now, days)
    kiosks = kiosk_fleet.build_kiosks(
        kiosk_fleet.FleetOptions(devices=devices, seed=seed), kiosk_fleet.load_state()
    )
    engine = db.engine(database or database_name())
    with engine.begin() as conn:
        conn.execute(sa.text("select pg_advisory_xact_lock(:k)"), {"k": LOCK})
        todo, registered = _without_past(conn, kiosks, start)
        if not todo:
            return ImportResult(0, {}, start, end)
        progress(f"生成 {len(todo)} 台终端 {days} 天的历史……")
        history = kiosk_ops_history.fleet_history(len(todo), days, seed, end=end, kiosks=todo)
        store = CredentialStore()
        rows = _write(conn, todo, registered, history, start, end, store, progress)
        # before the commit: lost secrets or serials would make the live fleet re-register or collide;
        # saved ones of a rolled-back import are harmless (a 404 registers afresh, serials skip ahead)
        store.save()
        kiosk_fleet.save_state(todo)
    return ImportResult(len(todo), rows, start, end)


def _write(conn, todo, registered, history, start, end, store, progress) -> dict[str, int]:
    from services.terminals import credentials

    rows: dict[str, int] = {}
    new = [k for k in todo if k.device_id not in registered]
    devices = []
    for k in new:
        secret = credentials.new_secret()
        store.secrets[k.device_id] = secret
        sealed = credentials.seal(secret, k.device_id)
        devices.append(
            _registration(k)
            | {
                "status": "启用",
                "credential": sealed,
                "credential_issued_at": start,
                "registered_by": IMPORTER,
                "created_at": start,
                "updated_at": start,
            }
        )
    rows["terminal_device"] = (
        _copy(conn, "terminal_device", list(devices[0]), (tuple(d.values()) for d in devices))
        if devices
        else 0
    )
    if registered:  # registered today by the live fleet: the legacy registration date
        conn.execute(
            sa.text(
                "update terminal_device set created_at = :t, updated_at = :t where device_id = any(:ids)"
            ),
            {"t": start, "ids": sorted(registered)},
        )
        rows["terminal_device"] += len(registered)
    progress("写入自检、状态变化与告警……")
    rows |= _terminals(conn, history, registered, end)
    progress("写入预制卡、发卡、成品卡与领卡……")
    rows |= _cards(conn, history)
    return rows


def _terminals(conn, history, registered: set[str], end: datetime) -> dict[str, int]:
    rows = {}
    checks = history.selfchecks.copy()
    ids = dict(zip(checks["selfcheck_id"], _ids(conn, "terminal_selfcheck", len(checks)), strict=True))
    checks["id"], checks["received_at"] = checks["selfcheck_id"].map(ids), checks["checked_at"]
    cols = [
        "id",
        "device_id",
        "checked_at",
        "received_at",
        "result",
        "failed_count",
        "software_version",
        "duration_ms",
    ]
    rows["terminal_selfcheck"] = _copy(conn, "terminal_selfcheck", cols, _records(checks, cols))
    items = history.items.copy()
    items["selfcheck_id"] = items["selfcheck_id"].map(ids)
    cols = [
        "selfcheck_id",
        "component",
        "device_id",
        "checked_at",
        "result",
        "level",
        "value",
        "code",
        "message",
    ]
    items = items.reindex(columns=cols)
    rows["terminal_selfcheck_item"] = _copy(conn, "terminal_selfcheck_item", cols, _records(items, cols))
    changes = history.state_changes.assign(faults=history.state_changes["faults"].map(json.dumps))
    cols = ["device_id", "at", "kind", "from_state", "to_state", "faults", "cause"]
    rows["terminal_state_change"] = _copy(conn, "terminal_state_change", cols, _records(changes, cols))
    alarms = history.alarms.copy()
    cleared = alarms["status"] == "已清除"
    alarms["cleared_by"] = cleared.map({True: "system", False: None})
    alarms["clear_reason"] = cleared.map({True: "自动恢复", False: None})
    live = alarms["device_id"].isin(registered) & ~cleared  # the live state is newer: closed at cut-over
    closing = {
        "status": "已清除",
        "cleared_at": end,
        "cleared_by": "system",
        "clear_reason": "历史导入截止，以实时状态为准",
    }
    for column, value in closing.items():
        alarms.loc[live, column] = value
    cols = [
        "device_id",
        "alarm_type",
        "severity",
        "message",
        "status",
        "raised_at",
        "cleared_by",
        "cleared_at",
        "clear_reason",
    ]
    rows["terminal_alarm"] = _copy(conn, "terminal_alarm", cols, _records(alarms, cols))
    rows["terminal_state"] = _states(conn, history)
    return rows


def _states(conn, history) -> int:
    """Each device's state at the end of the history, unless a (newer) live state exists."""
    changes = history.state_changes.sort_values(["device_id", "at", "id"])
    if changes.empty:
        return 0
    n = 0
    for device_id, own in changes.groupby("device_id"):
        online = own[own["kind"] == "在线状态"].iloc[-1] if (own["kind"] == "在线状态").any() else None
        running = own[own["kind"] == "运行情况"].iloc[-1] if (own["kind"] == "运行情况").any() else None
        values = {
            "d": device_id,
            "online": bool(online is not None and online["to_state"] == "在线"),
            "running": running["to_state"] if running is not None else "未知",
            "faults": json.dumps(running["faults"] if running is not None else []),
            "online_at": online["at"] if online is not None else None,
            "running_at": running["at"] if running is not None else None,
            "last": own["at"].max(),
        }
        n += conn.execute(
            sa.text(
                "insert into terminal_state (device_id, online, running_state, faults, software_version, "
                "last_heartbeat_at, device_time, online_changed_at, running_changed_at) values (:d, :online, "
                ":running, cast(:faults as jsonb), '2.3.1', :last, :last, :online_at, :running_at) "
                "on conflict (device_id) do nothing"
            ),
            values,
        ).rowcount
    return n


def _cards(conn, history) -> dict[str, int]:
    rows = {}
    additions = history.blank_additions.assign(operator=IMPORTER, remark="旧系统历史导入")
    cols = ["device_id", "outlet_code", "region_code", "quantity", "remark", "operator", "added_at"]
    rows["card_blank_addition"] = _copy(conn, "card_blank_addition", cols, _records(additions, cols))
    usages = history.blank_usages.assign(received_at=history.blank_usages["occurred_at"])
    cols = [
        "device_id",
        "event_id",
        "outlet_code",
        "region_code",
        "usage",
        "quantity",
        "card_no",
        "reason",
        "occurred_at",
        "received_at",
    ]
    rows["card_blank_usage"] = _copy(conn, "card_blank_usage", cols, _records(usages, cols))
    ledger = (
        pd.concat(
            [
                additions.assign(added=additions["quantity"], used=0),
                usages.assign(added=0, used=usages["quantity"]),
            ]
        )
        .groupby("device_id")[["added", "used"]]
        .sum()
    )
    for device_id, (added, used) in ledger.iterrows():
        conn.execute(
            sa.text(
                "insert into card_blank_stock (device_id, added_total, used_total, updated_at) "
                "values (:d, :a, :u, now()) on conflict (device_id) do update set "
                "added_total = card_blank_stock.added_total + :a, "
                "used_total = card_blank_stock.used_total + :u, updated_at = now()"
            ),
            {"d": device_id, "a": int(added), "u": int(used)},
        )
    rows["card_issuance"] = _issuances(conn, history.issuances)
    rows |= _finished(conn, history.finished, history.pickups)
    return rows


def _person(id_number, name) -> dict:
    return _protected("holder_id", id_number, "id_number") | _protected(
        "holder_name", name, "name", with_token=False
    )


def _issuances(conn, issuances: pd.DataFrame) -> int:
    cols = [
        "device_id",
        "event_id",
        "outlet_code",
        "region_code",
        "issue_type",
        "card_no",
        "old_card_no",
        "pickup_by",
        "issued_at",
    ]
    people = [
        "holder_id_token",
        "holder_id_cipher",
        "holder_id_masked",
        "holder_name_cipher",
        "holder_name_masked",
    ]
    out = []
    for row, (id_number, name) in zip(
        _records(issuances, cols), _records(issuances, ["id_number", "name"]), strict=True
    ):
        out.append((*row, row[-1], *_person(id_number, name).values()))
    return _copy(conn, "card_issuance", [*cols, "received_at", *people], out)


def _finished(conn, finished: pd.DataFrame, pickups: pd.DataFrame) -> dict[str, int]:
    ids = dict(zip(finished["card_no"], _ids(conn, "card_finished", len(finished)), strict=True))
    cols = [
        "card_no",
        "device_id",
        "outlet_code",
        "region_code",
        "batch_no",
        "box_position",
        "state",
        "read_at",
        "picked_up_at",
        "pickup_by",
        "failure_reason",
        "updated_at",
    ]
    people = [
        "holder_id_token",
        "holder_id_cipher",
        "holder_id_masked",
        "holder_name_cipher",
        "holder_name_masked",
    ]
    out = []
    for row, (id_number, name) in zip(
        _records(finished, cols), _records(finished, ["id_number", "name"]), strict=True
    ):
        out.append((ids[row[0]], *row, row[7], *_person(id_number, name).values()))
    n = _copy(conn, "card_finished", ["id", *cols, "uploaded_at", *people], out)
    cols = ["device_id", "event_id", "result", "pickup_by", "reason", "occurred_at"]
    agents = [
        "agent_id_token",
        "agent_id_cipher",
        "agent_id_masked",
        "agent_name_cipher",
        "agent_name_masked",
        "agent_phone_cipher",
        "agent_phone_masked",
    ]
    out = []
    for (card_no, *row), (aid, aname, aphone) in zip(
        _records(pickups, ["card_no", *cols]),
        _records(pickups, ["agent_id_number", "agent_name", "agent_phone"]),
        strict=True,
    ):
        agent = (
            _protected("agent_id", aid, "id_number")
            | _protected("agent_name", aname, "name", with_token=False)
            | _protected("agent_phone", aphone, "phone", with_token=False)
        )
        out.append((ids[card_no], *row, row[-1], *agent.values()))
    m = _copy(conn, "card_pickup", ["finished_card_id", *cols, "received_at", *agents], out)
    return {"card_finished": n, "card_pickup": m}
