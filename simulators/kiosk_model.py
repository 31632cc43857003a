"""一台虚拟自助机（自助制发卡一体机）的行为模型：部件劣化与故障前兆、耗材、业务、离线。

Pure and deterministic: `Kiosk.step(at, hours)` advances the kiosk by `hours` of simulated time
ending at `at` and returns the device API calls it would make (`Call`), drawing only from its own
`random.Random(seed, device)`. The runner (`kiosk_fleet`) sends them and feeds back the balance.

Failure precursors (故障前兆): a hardware component (读卡器, 身份证阅读器, 摄像头, 凭条打印机,
网络) starts to degrade at a random moment and fails 2–6 days later. While it degrades, boot
self-checks and heartbeats still say 正常 but carry a warning code and a measure that worsens as
the failure nears (card-reader retries, ID-reader timeouts, camera blur, printer jams, packet loss;
the network also drops heartbeats now and then), and the device logs WARN lines more often. The
failure is 异常 with an E-code until a technician repairs it (6–48 h). 色带 and 打印纸 run down
with use, warn below 20 % / 15 %, run out, and are replaced some hours after reaching the low mark.
Every failure is recorded in `Kiosk.failures` (the ground truth for a 7-day prediction model).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from simulators import kiosk_instant
from simulators import kiosk_people as people
from simulators.kiosk_residents import WalkIns

BEIJING = ZoneInfo("Asia/Shanghai")
HARDWARE = ("card_reader", "id_reader", "camera", "receipt_printer", "network")
MONITORED = ("card_reader", "id_reader", "camera", "ribbon", "receipt_printer", "paper", "network")
EXTRA = ("card_printer", "touch_screen", "pin_pad", "storage")
# chance per device-day that a component starts to degrade
HAZARD_PER_DAY = {
    "card_reader": 0.02,
    "id_reader": 0.01,
    "camera": 0.01,
    "receipt_printer": 0.015,
    "network": 0.015,
}
WARNING = {  # code, Chinese measure, worst value of the measure just before the failure
    "card_reader": ("W101", "读卡重试 {} 次", 30),
    "id_reader": ("W201", "身份证读取超时 {} 次", 20),
    "camera": ("W301", "图像清晰度下降 {}%", 60),
    "receipt_printer": ("W401", "凭条卡纸 {} 次", 12),
    "network": ("W701", "丢包率 {}%", 40),
}
FAULT = {
    "card_reader": ("E101", "读卡器无响应"),
    "id_reader": ("E201", "身份证阅读器故障"),
    "camera": ("E301", "摄像头无图像"),
    "receipt_printer": ("E401", "凭条打印机故障"),
    "network": ("E701", "网络中断"),
}
LOW_WARN = {"ribbon": 20, "paper": 15}
OUT = {"ribbon": 10, "paper": 5}  # the platform's low marks: below them the component is faulty
VERSION = "2.3.1"


@dataclass(frozen=True)
class Call:
    """One device API call: what, where, with which body, at which device time."""

    kind: str
    method: str
    path: str
    body: dict | None
    at: datetime


@dataclass
class Degradation:
    started: datetime
    fails_at: datetime

    def progress(self, at: datetime) -> float:
        span = (self.fails_at - self.started).total_seconds()
        return min(1.0, max(0.0, (at - self.started).total_seconds() / span))


@dataclass
class Kiosk:
    """A virtual kiosk; `index` makes its card numbers unique in the fleet."""

    device_id: str
    outlet_code: str
    index: int
    seed: int
    serial: int = 0
    event_seq: int = 0
    rate_per_hour: float = 2.0
    writeback_fail_rate: float = 0.08
    offline_per_day: float = 0.15
    rng: random.Random = field(init=False)
    ribbon: float = field(init=False)
    paper: float = field(init=False)
    degrading: dict[str, Degradation] = field(default_factory=dict)
    faulty: dict[str, datetime] = field(default_factory=dict)  # component -> repaired at
    refill_at: dict[str, datetime] = field(default_factory=dict)
    offline_until: datetime | None = None
    pending: list[tuple[str, people.Person]] = field(default_factory=list)
    blank_remaining: int = 0
    failures: list[dict] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    wall: datetime | None = None  # live runs stamp calls with the real time
    # instant issuance (即时制卡): live runs hand in who walks up and the province's pre-made cards
    walk_ins: WalkIns | None = None
    premade: list[dict] = field(default_factory=list)  # {card_no, chip_no, bank_account}
    instant_per_hour: float = 0.25
    instant_rng: random.Random = field(init=False)
    _booted_day: str | None = None
    _upload_day: str | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.device_id}")
        self.instant_rng = random.Random(f"{self.seed}:{self.device_id}:instant")  # keeps rng's stream
        self.ribbon = self.rng.uniform(30, 100)
        self.paper = self.rng.uniform(20, 100)

    @property
    def county(self) -> str:
        return self.outlet_code[:6]

    # ---- the step -------------------------------------------------------------------------
    def step(self, at: datetime, hours: float, *, min_offline_hours: float = 0.0) -> list[Call]:
        """Advance `hours` of simulated time ending at `at`; the calls made meanwhile."""
        calls: list[Call] = []
        if self.offline_until is not None:
            if at < self.offline_until:
                return calls
            self.offline_until = None
            self._log(at, "INFO", "网络恢复，设备重新上线")
            calls.append(self._selfcheck(at))
        self._age_hardware(at, hours)
        self._consumables(at)
        day = at.astimezone(BEIJING).strftime("%Y-%m-%d")
        if self._booted_day != day:
            self._booted_day = day
            self._log(at, "INFO", "开机完成")
            calls.append(self._selfcheck(at))
        if self._upload_day != day and at.astimezone(BEIJING).hour >= 9:
            self._upload_day = day
            calls.append(self._finished_upload(at))
        calls.extend(self._business(at, hours))
        calls.extend(self._instant(at, hours))
        if self.rng.random() < self.offline_per_day * hours / 24:
            self.offline_until = at + timedelta(hours=max(self.rng.uniform(0.5, 4), min_offline_hours))
            self._log(at, "ERROR", "与平台连接中断")
        if self.logs:
            calls.append(Call("log", "POST", "/api/v1/device/logs", {"lines": self.logs[:500]}, at))
            self.logs = self.logs[500:]
        return calls

    def heartbeat_dropped(self, at: datetime) -> bool:
        """Intermittent network before a network failure: some heartbeats never arrive."""
        if "network" in self.faulty or self.offline_until is not None:
            return True
        d = self.degrading.get("network")
        return d is not None and self.rng.random() < 0.1 + 0.5 * d.progress(at)

    def heartbeat(self, at: datetime) -> Call:
        body = {
            "software_version": VERSION,
            "device_time": self._stamp(at),
            "components": self.components(at),
        }
        return Call("heartbeat", "POST", "/api/v1/device/heartbeat", body, at)

    # ---- hardware -------------------------------------------------------------------------
    def _age_hardware(self, at: datetime, hours: float) -> None:
        for part in HARDWARE:
            if part in self.faulty:
                if at >= self.faulty[part]:
                    del self.faulty[part]
                    self._log(at, "INFO", f"{part} 维修完成，恢复正常")
            elif part in self.degrading:
                d = self.degrading[part]
                if at >= d.fails_at:
                    del self.degrading[part]
                    self.faulty[part] = at + timedelta(hours=self.rng.uniform(6, 48))
                    self.failures.append(
                        {
                            "device_id": self.device_id,
                            "component": part,
                            "degrading_from": d.started.isoformat(),
                            "failed_at": at.isoformat(),
                        }
                    )
                    self._log(at, "ERROR", f"{FAULT[part][1]}（{FAULT[part][0]}）")
                elif self.rng.random() < 0.2 + 0.8 * d.progress(at):
                    self._log(at, "WARN", self._measure(part, at)[1])
            elif self.rng.random() < HAZARD_PER_DAY[part] * hours / 24:
                self.degrading[part] = Degradation(at, at + timedelta(days=self.rng.uniform(2, 6)))

    def _measure(self, part: str, at: datetime) -> tuple[str | None, str, int]:
        """(warning code or None, the measure as text, its value): healthy parts show a small baseline."""
        code, text, worst = WARNING[part]
        d = self.degrading.get(part)
        if d is None:
            value = self.rng.randint(0, 2)
            return None, text.format(value), value
        value = int(2 + worst * d.progress(at) ** 1.5 + self.rng.uniform(0, 2))
        return (code if value >= 4 else None), text.format(value), value

    def _consumables(self, at: datetime) -> None:
        for part in ("ribbon", "paper"):
            level = getattr(self, part)
            if level < OUT[part] and part not in self.refill_at:
                self.refill_at[part] = at + timedelta(hours=self.rng.uniform(2, 30))
                self._log(at, "ERROR", "色带已用完" if part == "ribbon" else "打印纸已用完")
            if part in self.refill_at and at >= self.refill_at[part]:
                del self.refill_at[part]
                setattr(self, part, 100.0)
                self._log(at, "INFO", "已更换色带" if part == "ribbon" else "已补充打印纸")

    def _part(self, part: str, at: datetime) -> dict:
        if part in ("ribbon", "paper"):
            level = max(0, int(getattr(self, part)))
            out = {"status": "正常", "level": level, "value": level}
            if level < LOW_WARN[part]:
                out |= {"code": "W501" if part == "ribbon" else "W601", "message": f"余量低（{level}%）"}
            return out
        if part in self.faulty:
            return {"status": "异常", "code": FAULT[part][0], "message": FAULT[part][1]}
        code, text, value = self._measure(part, at)
        return {"status": "正常", "value": value, "message": text} | ({"code": code} if code else {})

    def components(self, at: datetime) -> dict:
        return {part: self._part(part, at) for part in MONITORED}

    def _selfcheck(self, at: datetime) -> Call:
        items = []
        for part in MONITORED:
            p = self._part(part, at)
            item = {"component": part, "result": p["status"], "level": p.get("level")}
            items.append(item | {k: p[k] for k in ("value", "code", "message") if k in p})
        items += [{"component": part, "result": "正常"} for part in EXTRA]
        body = {
            "checked_at": self._stamp(at),
            "software_version": VERSION,
            "duration_ms": self.rng.randint(3000, 9000),
        }
        return Call("selfcheck", "POST", "/api/v1/device/selfchecks", body | {"items": items}, at)

    # ---- business -------------------------------------------------------------------------
    def _event_id(self, prefix: str) -> str:
        self.event_seq += 1
        return f"{prefix}-{self.device_id[3:]}-{self.seed}-{self.event_seq:08d}"

    def _new_card(self) -> str:
        self.serial += 1
        return people.card_no(self.index, self.serial)

    def _finished_upload(self, at: datetime) -> Call:
        cards = []
        for _ in range(self.rng.randint(3, 10)):
            holder = people.person(self.rng, self.county)
            card = self._new_card()
            self.pending.append((card, holder))
            cards.append(
                {
                    "card_no": card,
                    "id_number": holder.id_number,
                    "name": holder.name,
                    "batch_no": f"P{at.astimezone(BEIJING):%Y%m%d}{self.index % 1000:03d}",
                    "box_position": f"1-{self.rng.randint(1, 9)}-{self.rng.randint(1, 9)}-1",
                }
            )
        return Call(
            "finished",
            "POST",
            "/api/v1/device/finished-cards",
            {"read_at": self._stamp(at), "cards": cards},
            at,
        )

    def _business(self, at: datetime, hours: float) -> list[Call]:
        hour = at.astimezone(BEIJING).hour
        rate = self.rate_per_hour * (1.0 if 8 <= hour < 20 else 0.05) * hours
        n = _poisson(self.rng, rate)
        if "card_reader" in self.faulty or "network" in self.faulty:
            if n:
                self._log(at, "WARN", f"部件故障，{n} 位群众未能办理")
            return []
        calls: list[Call] = []
        for _ in range(n):
            r = self.rng.random()
            if r < 0.40:
                calls += self._make_card(at)
            elif r < 0.46:
                calls += self._spoil(at, "写卡失败" if "card_reader" in self.degrading else "打印污损")
            elif r < 0.60:
                calls += self._reissue(at)
            elif self.pending:
                calls.append(self._pickup(at))
        return calls

    def _instant(self, at: datetime, hours: float) -> list[Call]:
        """Residents who get a card made on the spot from a pre-made card of the hopper."""
        broken = {"card_reader", "id_reader", "camera", "network"} & set(self.faulty)
        if self.walk_ins is None or broken or not 8 <= at.astimezone(BEIJING).hour < 20:
            return []
        calls: list[Call] = []
        for _ in range(_poisson(self.instant_rng, self.instant_per_hour * hours)):
            if not self.premade or self.blank_remaining <= len(calls) or self.ribbon < OUT["ribbon"]:
                break
            event = self._event_id("ii")
            body = kiosk_instant.visit(
                self.instant_rng, self.walk_ins, self.county, self.premade[-1], event, self._stamp(at)
            )
            if body is None:
                break
            self.premade.pop()
            self.ribbon = max(0.0, self.ribbon - self.instant_rng.uniform(0.3, 0.9))
            calls.append(Call("instant", "POST", kiosk_instant.PATH, body, at))
        return calls

    def _use_blank(self) -> bool:
        if self.blank_remaining <= 0:
            return False
        self.blank_remaining -= 1
        return True

    def _print(self, ribbon: bool) -> None:
        if ribbon:
            self.ribbon = max(0.0, self.ribbon - self.rng.uniform(0.3, 0.9))
        self.paper = max(0.0, self.paper - self.rng.uniform(0.3, 1.2))

    def _make_card(self, at: datetime) -> list[Call]:
        if self.ribbon < OUT["ribbon"] or not self._use_blank():
            return []
        card = self._new_card()
        self._print(ribbon=True)
        body = {
            "event_id": self._event_id("u"),
            "usage": "制卡",
            "quantity": 1,
            "card_no": card,
            "occurred_at": self._stamp(at),
        }
        return [
            Call("blank_use", "POST", "/api/v1/device/blank-cards/usage", body, at),
            self._writeback(card, at),
        ]

    def _spoil(self, at: datetime, reason: str) -> list[Call]:
        if not self._use_blank():
            return []
        body = {
            "event_id": self._event_id("s"),
            "usage": "废卡",
            "quantity": 1,
            "reason": reason,
            "occurred_at": self._stamp(at),
        }
        return [Call("blank_use", "POST", "/api/v1/device/blank-cards/usage", body, at)]

    def _reissue(self, at: datetime) -> list[Call]:
        if self.ribbon < OUT["ribbon"] or not self._use_blank():
            return []
        holder = people.person(self.rng, self.county)
        card, kind = self._new_card(), ("补卡" if self.rng.random() < 0.6 else "换卡")
        old = people.card_no(self.index + 500, self.rng.randint(1, 10**6))
        self._print(ribbon=True)
        body = {
            "event_id": self._event_id("i"),
            "issue_type": kind,
            "card_no": card,
            "old_card_no": old,
            "id_number": holder.id_number,
            "name": holder.name,
            "occurred_at": self._stamp(at),
        }
        return [Call("issuance", "POST", "/api/v1/device/issuances", body, at), self._writeback(card, at)]

    def _writeback(self, card: str, at: datetime) -> Call:
        fail_rate = self.writeback_fail_rate * (3 if "card_reader" in self.degrading else 1)
        failed = self.rng.random() < fail_rate
        body = {
            "event_id": self._event_id("w"),
            "card_no": card,
            "bank_account": people.bank_account(self.rng),
            "chip_no": people.chip_no(self.rng),
            "result": "失败" if failed else "成功",
            "attempted_at": self._stamp(at, 30),
        }
        if failed:
            body |= {"error_code": "4001", "error_message": "写卡失败：芯片无响应"}
        return Call("writeback", "POST", "/api/v1/device/writebacks", body, at)

    def _pickup(self, at: datetime) -> Call:
        card, holder = self.pending.pop(self.rng.randrange(len(self.pending)))
        r = self.rng.random()
        body: dict = {"event_id": self._event_id("p"), "occurred_at": self._stamp(at)}
        if r < 0.05:
            body |= {
                "result": "领卡失败",
                "pickup_by": "本人",
                "holder_id_number": holder.id_number,
                "reason": "人脸比对未通过",
            }
            self.pending.append((card, holder))
        elif r < 0.20:
            agent = people.person(self.rng, self.county, min_age=18)
            body |= {
                "result": "领卡成功",
                "pickup_by": "代领",
                "agent": {"id_number": agent.id_number, "name": agent.name, "phone": people.phone(self.rng)},
            }
        else:
            body |= {"result": "领卡成功", "pickup_by": "本人", "holder_id_number": holder.id_number}
        self._print(ribbon=False)
        return Call("pickup", "POST", f"/api/v1/device/finished-cards/{card}/pickup", body, at)

    def _stamp(self, at: datetime, plus_s: int = 0) -> str:
        """The device clock: simulated time, or the wall clock when a live runner set `wall`."""
        return _iso((self.wall or at) + timedelta(seconds=plus_s))

    def _log(self, at: datetime, level: str, message: str) -> None:
        self.logs.append({"at": self._stamp(at), "level": level, "message": message})


def _iso(at: datetime) -> str:
    return at.astimezone(BEIJING).isoformat(timespec="seconds")


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (λ is small here)."""
    if lam <= 0:
        return 0
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
