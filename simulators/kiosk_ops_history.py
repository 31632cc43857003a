"""A fleet's history as the kiosk tables of `ops` would hold it, without the platform running.

`ykt simulate fleet history` sends the kiosks' calls through the device API, which refuses anything
older than 30 days and carries no heartbeats (they have no device time), so no state history. To
train and measure the failure model on longer histories and to give the dashboards a fleet to show,
`fleet_history(devices, days, seed)` steps the same `Kiosk` models hour by hour and returns:

- ``items``: the boot self-check items as the service stores them (`terminal_selfcheck_item`, the
  device's values as sent);
- ``state_changes`` and ``alarms``: what the service derives from one heartbeat an hour with its own
  rules — online on a heartbeat, offline (超时) when one is missing, running state and faulty parts
  from `services.terminals.components.faults` / `running_state`, an alarm per newly faulty part or
  going offline, cleared on recovery (`terminal_state_change`, `terminal_alarm`);
- ``blank_additions`` and ``blank_usages``: blank cards loaded when fewer than 50 are left, and
  the kiosk's 制卡 / 废卡 reports (`card_blank_addition`, `card_blank_usage`);
- ``issuances``, ``finished`` and ``pickups``: 补卡 / 换卡 made at the kiosk (each also a 制卡 use
  of a blank card, as the service records it), finished cards read and uploaded (待领, then 领卡成功 /
  领卡失败) and every pickup attempt (a successful one is also a 领卡 issuance), personal data still
  in plain text (the importer protects it as the service does);
- ``selfchecks``: one row per boot self-check (通过 / 未通过, failed parts), the items' header;
- ``failures``: the ground truth (each failure's component, when it began to degrade and failed).

Every time is the device's, which for the past is also the server's (the importer,
`simulators.kiosk_legacy_import`, writes them as the arrival times).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd

from services.terminals.components import (
    OFFLINE,
    SEVERITY,
    Components,
    fault_text,
    faults,
    is_fine,
    running_state,
)
from simulators.kiosk_fleet import FleetOptions, build_kiosks
from simulators.kiosk_model import Kiosk

ITEM_COLUMNS = ["selfcheck_id", "component", "device_id", "checked_at", "result", "level", "code", "message"]
CHANGE_COLUMNS = ["id", "device_id", "at", "kind", "from_state", "to_state", "faults", "cause"]
ALARM_COLUMNS = ["id", "device_id", "alarm_type", "severity", "message", "status", "raised_at", "cleared_at"]
ADDITION_COLUMNS = ["id", "device_id", "outlet_code", "region_code", "quantity", "operator", "added_at"]
USAGE_COLUMNS = ["id", "device_id", "event_id", "outlet_code", "region_code", "usage", "quantity", "card_no",
                 "reason", "occurred_at"]  # fmt: skip
SELFCHECK_COLUMNS = ["selfcheck_id", "device_id", "checked_at", "result", "failed_count", "software_version",
                     "duration_ms"]  # fmt: skip
ISSUANCE_COLUMNS = ["device_id", "event_id", "outlet_code", "region_code", "issue_type", "card_no",
                    "old_card_no", "id_number", "name", "pickup_by", "issued_at"]  # fmt: skip
FINISHED_COLUMNS = ["card_no", "device_id", "outlet_code", "region_code", "batch_no", "box_position",
                    "id_number", "name", "state", "read_at", "picked_up_at", "pickup_by", "failure_reason",
                    "updated_at"]  # fmt: skip
PICKUP_COLUMNS = ["card_no", "device_id", "event_id", "result", "pickup_by", "agent_id_number", "agent_name",
                  "agent_phone", "reason", "occurred_at"]  # fmt: skip
STOCK, REFILL_BELOW = 500, 50  # blank cards a technician loads, and when


@dataclass
class FleetHistory:
    items: pd.DataFrame
    state_changes: pd.DataFrame
    alarms: pd.DataFrame
    blank_additions: pd.DataFrame
    blank_usages: pd.DataFrame
    failures: pd.DataFrame
    selfchecks: pd.DataFrame | None = None
    issuances: pd.DataFrame | None = None
    finished: pd.DataFrame | None = None
    pickups: pd.DataFrame | None = None


@dataclass
class _DeviceState:
    """The service's view of one kiosk: online, running state, faulty parts, open alarms."""

    online: bool = False
    running: str | None = None
    faults: list[str] = field(default_factory=list)
    open_alarms: dict[str, dict] = field(default_factory=dict)


@dataclass
class _Recorder:
    items: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    alarms: list[dict] = field(default_factory=list)
    additions: list[dict] = field(default_factory=list)
    usages: list[dict] = field(default_factory=list)
    selfchecks: list[dict] = field(default_factory=list)
    issuances: list[dict] = field(default_factory=list)
    finished: dict[str, dict] = field(default_factory=dict)  # card_no -> the card as it stands
    pickups: list[dict] = field(default_factory=list)
    checks: int = 0

    def refill(self, kiosk: Kiosk, at: datetime) -> None:
        """Blank cards loaded when the stock runs low (预制卡添加)."""
        if kiosk.blank_remaining < REFILL_BELOW:
            where = {"outlet_code": kiosk.outlet_code, "region_code": kiosk.outlet_code[:9]}
            self.additions.append({"id": len(self.additions) + 1, "device_id": kiosk.device_id, **where,
                                   "quantity": STOCK - kiosk.blank_remaining, "operator": "sysadmin",
                                   "added_at": at})  # fmt: skip
            kiosk.blank_remaining = STOCK

    def blank_use(self, kiosk: Kiosk, body: dict) -> None:
        """制卡 / 废卡 as the kiosk reports it."""
        where = {"outlet_code": kiosk.outlet_code, "region_code": kiosk.outlet_code[:9]}
        occurred = datetime.fromisoformat(body["occurred_at"]).astimezone(UTC)
        event = {k: body.get(k) for k in ("event_id", "usage", "quantity", "card_no", "reason")}
        row = {"id": len(self.usages) + 1, "device_id": kiosk.device_id, **where, **event}
        self.usages.append(row | {"occurred_at": occurred})

    def issuance(self, kiosk: Kiosk, body: dict) -> None:
        """补卡 / 换卡: the issuance and the blank card it used (usage 制卡, reason the issue type)."""
        where = {"outlet_code": kiosk.outlet_code, "region_code": kiosk.outlet_code[:9]}
        at = datetime.fromisoformat(body["occurred_at"]).astimezone(UTC)
        use = {
            "event_id": body["event_id"],
            "usage": "制卡",
            "quantity": 1,
            "card_no": body["card_no"],
            "reason": body["issue_type"],
            "occurred_at": at,
        }
        self.usages.append({"id": len(self.usages) + 1, "device_id": kiosk.device_id, **where, **use})
        row = {"device_id": kiosk.device_id, **where, "pickup_by": None, "issued_at": at}
        self.issuances.append(row | {k: body[k] for k in ISSUANCE_COLUMNS if k in body})

    def finished_upload(self, kiosk: Kiosk, body: dict) -> None:
        """成品卡 read and uploaded: 待领 at this device."""
        at = datetime.fromisoformat(body["read_at"]).astimezone(UTC)
        where = {"device_id": kiosk.device_id, "outlet_code": kiosk.outlet_code,
                 "region_code": kiosk.outlet_code[:9]}  # fmt: skip
        for card in body["cards"]:
            row = {k: card[k] for k in ("card_no", "batch_no", "box_position", "id_number", "name")}
            self.finished[card["card_no"]] = (
                row
                | where
                | {
                    "state": "待领",
                    "read_at": at,
                    "picked_up_at": None,
                    "pickup_by": None,
                    "failure_reason": None,
                    "updated_at": at,
                }
            )

    def pickup(self, kiosk: Kiosk, call) -> None:
        """One pickup attempt; a success takes the card out (出库) and is a 领卡 issuance."""
        body, card_no = call.body, call.path.rsplit("/", 2)[-2]
        card = self.finished[card_no]
        at = datetime.fromisoformat(body["occurred_at"]).astimezone(UTC)
        agent = body.get("agent") or {}
        self.pickups.append(
            {
                "card_no": card_no,
                "device_id": kiosk.device_id,
                "event_id": body["event_id"],
                "result": body["result"],
                "pickup_by": body["pickup_by"],
                "agent_id_number": agent.get("id_number"),
                "agent_name": agent.get("name"),
                "agent_phone": agent.get("phone"),
                "reason": body.get("reason"),
                "occurred_at": at,
            }
        )
        failed = body["result"] == "领卡失败"
        card |= {
            "state": body["result"],
            "pickup_by": body["pickup_by"],
            "updated_at": at,
            "failure_reason": body.get("reason") if failed else None,
        }
        if not failed:
            card["picked_up_at"] = at
            self.issuances.append(
                {
                    k: card[k]
                    for k in (
                        "device_id",
                        "outlet_code",
                        "region_code",
                        "card_no",
                        "id_number",
                        "name",
                        "pickup_by",
                    )
                }
                | {"event_id": body["event_id"], "issue_type": "领卡", "old_card_no": None, "issued_at": at}
            )

    def selfcheck(self, device_id: str, body: dict) -> None:
        self.checks += 1
        checked_at = datetime.fromisoformat(body["checked_at"]).astimezone(UTC)
        fine = [is_fine(i["component"], i["result"], i.get("level"), i.get("value")) for i in body["items"]]
        self.selfchecks.append(
            {
                "selfcheck_id": self.checks,
                "device_id": device_id,
                "checked_at": checked_at,
                "result": "通过" if all(fine) else "未通过",
                "failed_count": fine.count(False),
                "software_version": body.get("software_version"),
                "duration_ms": body.get("duration_ms"),
            }
        )
        for item in body["items"]:
            row = {"selfcheck_id": self.checks, "device_id": device_id, "checked_at": checked_at}
            self.items.append(row | {k: item.get(k) for k in (*ITEM_COLUMNS[4:], "component", "value")})

    def change(self, device_id: str, at: datetime, kind: str, old, new, parts: list[str], cause: str):
        row = {"id": len(self.changes) + 1, "device_id": device_id, "at": at, "kind": kind}
        self.changes.append(row | {"from_state": old, "to_state": new, "faults": parts, "cause": cause})

    def raise_alarm(self, state: _DeviceState, device_id: str, kind: str, message: str, at: datetime):
        if kind not in state.open_alarms:
            alarm = {"id": len(self.alarms) + 1, "device_id": device_id, "alarm_type": kind,
                     "severity": SEVERITY[kind], "message": message, "status": "未处理",
                     "raised_at": at, "cleared_at": None}  # fmt: skip
            self.alarms.append(alarm)
            state.open_alarms[kind] = alarm

    def clear(self, state: _DeviceState, kinds: list[str], at: datetime) -> None:
        for kind in kinds:
            if alarm := state.open_alarms.pop(kind, None):
                alarm |= {"status": "已清除", "cleared_at": at}


def _heartbeat(rec: _Recorder, state: _DeviceState, kiosk: Kiosk, at: datetime) -> None:
    if kiosk.heartbeat_dropped(at):
        if state.online:  # the sweeper: no heartbeat within the timeout
            state.online = False
            rec.change(kiosk.device_id, at, "在线状态", "在线", "离线", [], "超时")
            rec.raise_alarm(state, kiosk.device_id, OFFLINE, fault_text(OFFLINE, None), at)
        return
    if not state.online:
        rec.change(kiosk.device_id, at, "在线状态", "离线" if state.running else None, "在线", [], "心跳")
        state.online = True
        rec.clear(state, [OFFLINE], at)
    components = Components(**kiosk.heartbeat(at).body["components"])
    codes = faults(components)
    new = running_state(codes)
    if (state.running, state.faults) != (new, codes):
        rec.change(kiosk.device_id, at, "运行情况", state.running, new, codes, "心跳")
        for code in codes:
            if code not in state.faults:
                rec.raise_alarm(state, kiosk.device_id, code, fault_text(code, getattr(components, code)), at)
        rec.clear(state, [c for c in state.faults if c not in codes], at)
        state.running, state.faults = new, codes


def fleet_history(
    devices: int, days: int, seed: int, end: datetime | None = None, *, kiosks: list[Kiosk] | None = None
) -> FleetHistory:
    """The ``days`` days before ``end`` of a fleet of ``devices`` kiosks (deterministic per seed).

    ``kiosks``: the fleet's models to step (their card serials and event counters continue, and are
    advanced, as the importer saves them for the live fleet); by default built afresh.
    """
    end = end or datetime(2026, 11, 28, tzinfo=UTC)
    start = end - timedelta(days=days)
    kiosks = kiosks if kiosks is not None else build_kiosks(FleetOptions(devices=devices, seed=seed))
    states = {k.device_id: _DeviceState() for k in kiosks}
    rec = _Recorder()
    for hour in range(days * 24):
        at = start + timedelta(hours=hour + 1)
        for kiosk in kiosks:
            rec.refill(kiosk, at)
            for call in kiosk.step(at, 1.0):
                if call.kind == "selfcheck":
                    rec.selfcheck(kiosk.device_id, call.body)
                elif call.kind == "blank_use":
                    rec.blank_use(kiosk, call.body)
                elif call.kind == "issuance":
                    rec.issuance(kiosk, call.body)
                elif call.kind == "finished":
                    rec.finished_upload(kiosk, call.body)
                elif call.kind == "pickup":
                    rec.pickup(kiosk, call)
            _heartbeat(rec, states[kiosk.device_id], kiosk, at)
            kiosk.logs.clear()
    items = pd.DataFrame(rec.items, columns=[*ITEM_COLUMNS, "value"])
    if items["value"].isna().all():  # the kiosks send no numeric value (yet): the message carries it
        items = items.drop(columns="value")
    return FleetHistory(
        items,
        pd.DataFrame(rec.changes, columns=CHANGE_COLUMNS),
        pd.DataFrame(rec.alarms, columns=ALARM_COLUMNS),
        pd.DataFrame(rec.additions, columns=ADDITION_COLUMNS),
        pd.DataFrame(rec.usages, columns=USAGE_COLUMNS),
        pd.DataFrame(
            [f for k in kiosks for f in k.failures],
            columns=["device_id", "component", "degrading_from", "failed_at"],
        ),
        pd.DataFrame(rec.selfchecks, columns=SELFCHECK_COLUMNS),
        pd.DataFrame(rec.issuances, columns=ISSUANCE_COLUMNS),
        pd.DataFrame(list(rec.finished.values()), columns=FINISHED_COLUMNS),
        pd.DataFrame(rec.pickups, columns=PICKUP_COLUMNS),
    )
