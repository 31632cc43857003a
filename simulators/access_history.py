"""渠道访问记录的历史（模拟）: past days of `access_log` rows, written straight into the ops table.

The live platform fills `access_log` through its middleware: the kiosk fleet (`ykt simulate fleet`)
and anything else calling the API are recorded as they happen. The pipeline's historic days need
more than a live run can give (a month of residents on 天府通办 / 智乐山 / 微信, staff at work,
kiosks, partner systems), so this module writes rows of exactly the middleware's shape for those
days: the same route templates, operations, modules, channels, status classes, error codes, masked
IPs from the shipped range table and counties. Residents carry opaque 64-hex tokens (blind-index
shaped, derived from the seed, no personal data). Their visits are sessions (requests 10–300 s
apart) that may open the application form, submit it and see it approved by staff later, so the
funnel and the sessionisation have something true to find. Deterministic per scale, seed and end
date; a rerun deletes its own rows (`request_id` ``sim-…``) in the window first.

    python -m simulators.access_history --scale small --days 30 [--end 2026-11-27] [--seed 7]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.access_log import places
from services.access_log.writer import Row
from simulators.scales import ANCHOR, get_scale
from yikatong import regions

BEIJING = timedelta(hours=8)
CHANNELS = {"tfth": ("天府通办", 0.45), "zls": ("智乐山", 0.25), "wechat": ("微信", 0.30)}
# hour-of-day weights (Beijing) for residents and for staff/kiosks (working hours)
RESIDENT_HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 11, 9, 10, 11, 11, 10, 9, 10, 12, 13, 10, 6, 3]
WORK_HOURS = [0, 0, 0, 0, 0, 0, 0, 1, 10, 14, 14, 12, 5, 8, 14, 14, 12, 6, 1, 0, 0, 0, 0, 0]
P_OPEN_FORM, P_SUBMIT, P_INVALID, P_APPROVE = 0.35, 0.6, 0.1, 0.7
# (method, route template, operation, module, latency median ms, error rate, error status, code)
Endpoint = tuple[str, str, str, str, float, float, int, str]
H5 = {
    "enter": ("GET", "/h5/enter", "enter", "H5页面", 25.0, 0.02, 401, "ASSERTION_INVALID"),
    "home": ("GET", "/h5/", "home", "H5页面", 18.0, 0.0, 401, ""),
    "qa": ("GET", "/h5/qa", "ask", "H5页面", 60.0, 0.0, 422, ""),
    "loss": ("GET", "/h5/loss", "loss_page", "H5页面", 12.0, 0.0, 401, ""),
    "form": ("GET", "/h5/apply", "apply_page", "H5页面", 20.0, 0.0, 401, ""),
    "submit": ("POST", "/h5/apply", "线上申领", "H5页面", 180.0, 0.0, 422, "VALIDATION_FAILED"),
    "progress": ("GET", "/h5/progress/{application_id}", "progress", "H5页面", 22.0, 0.0, 404, "NOT_FOUND"),
}
APPROVE = ("POST", "/api/v1/admin/channel-applications/{application_id}/approve", "后台审核通过", "线上业务",
           95.0, 0.0, 409, "TRANSITION_NOT_ALLOWED")  # fmt: skip
STAFF: tuple[Endpoint, ...] = (
    ("GET", "/api/v1/admin/devices", "device.list", "设备管理", 35.0, 0.01, 422, "VALIDATION_FAILED"),
    ("GET", "/api/v1/admin/devices/{device_id}", "device.read", "设备管理", 15.0, 0.03, 404, "NOT_FOUND"),
    ("GET", "/api/v1/admin/device-states", "monitor.state.list", "远程监控", 40.0, 0.01, 422,
     "VALIDATION_FAILED"),
    ("GET", "/api/v1/admin/alarms", "alarm.list", "远程监控", 30.0, 0.0, 422, ""),
    ("POST", "/api/v1/admin/alarms/{alarm_id}/acknowledge", "alarm.acknowledge", "远程监控", 45.0, 0.05, 409,
     "ALARM_NOT_OPEN"),
    ("GET", "/api/v1/admin/stats/cards", "stats.cards", "业务统计", 220.0, 0.01, 422, "VALIDATION_FAILED"),
    ("GET", "/api/v1/admin/issuances", "issuance.list", "制发卡", 60.0, 0.0, 422, ""),
    ("GET", "/api/v1/admin/blank-cards", "blank_card.list", "制发卡", 25.0, 0.0, 422, ""),
    ("GET", "/api/v1/admin/channel-applications", "查询线上业务", "线上业务", 50.0, 0.0, 422, ""),
    ("GET", "/api/v1/admin/catalog/entries", "catalog.list", "数据资源目录", 40.0, 0.0, 422, ""),
    ("GET", "/api/v1/admin/knowledge/items", "knowledge.list", "知识库", 30.0, 0.0, 422, ""),
    ("POST", "/api/v1/admin/auth/login", "auth.login", "登录与会话", 260.0, 0.08, 401, "AUTH_FAILED"),
)  # fmt: skip
KIOSK: tuple[Endpoint, ...] = (
    ("POST", "/api/v1/device/heartbeat", "设备心跳", "终端接口", 8.0, 0.005, 401, "SIGNATURE_EXPIRED"),
    ("POST", "/api/v1/device/heartbeat", "设备心跳", "终端接口", 8.0, 0.005, 401, "SIGNATURE_EXPIRED"),
    ("POST", "/api/v1/device/heartbeat", "设备心跳", "终端接口", 8.0, 0.005, 401, "SIGNATURE_EXPIRED"),
    ("GET", "/api/v1/device/blank-cards", "查询本机预制卡余量", "终端接口", 10.0, 0.0, 401, ""),
    ("POST", "/api/v1/device/blank-cards/usage", "上报预制卡使用（制卡 / 废卡）", "终端接口", 20.0, 0.02, 409,
     "STOCK_INSUFFICIENT"),
    ("POST", "/api/v1/device/finished-cards/{card_no}/pickup", "上报领卡结果", "终端接口", 25.0, 0.01, 422,
     "VALIDATION_FAILED"),
    ("POST", "/api/v1/device/logs", "上传设备日志", "终端接口", 30.0, 0.0, 422, ""),
)  # fmt: skip
PARTNER: tuple[Endpoint, ...] = (
    ("POST", "/api/v1/capabilities/ocr/id-card", "capability.ocr.id_card", "平台能力", 4200.0, 0.04, 422,
     "IMAGE_INVALID"),
    ("POST", "/api/v1/capabilities/face/compare", "capability.face.compare", "平台能力", 900.0, 0.03, 422,
     "FACE_NOT_FOUND"),
    ("POST", "/api/v1/capabilities/qa/ask", "智能问答", "平台能力", 70.0, 0.0, 422, ""),
)  # fmt: skip
ALL_ENDPOINTS = (*H5.values(), APPROVE, *STAFF, *KIOSK, *PARTNER)


@dataclass(frozen=True, slots=True)
class Resident:
    token: str
    channel_id: str
    county: str


def _token(seed: int, kind: str, n: int) -> str:
    return hashlib.sha256(f"ykt-sim-access:{seed}:{kind}:{n}".encode()).hexdigest()


def _ip(rng: random.Random, county: str | None) -> str:
    """A host in the county's simulated /16 (the city's own network when no county)."""
    second = {"511100": 20}.get(county or "511100")
    if second is not None:
        return f"172.20.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    return f"10.{int(county[3:])}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class History:
    """The generator of one window; `rows()` yields every row in time order per actor."""

    def __init__(self, scale: str, days: int, end: date, seed: int) -> None:
        size = get_scale(scale)
        self.rng = random.Random(f"{seed}:{scale}:{end}:{days}")
        self.days = [end - timedelta(days=d) for d in range(days - 1, -1, -1)]
        self.end = end
        self.sessions_per_day = max(60, min(1200, size.residents // 25))
        counties = list(regions.COUNTIES)
        channel_ids = list(CHANNELS)
        weights = [w for _, w in CHANNELS.values()]
        pool = max(200, size.residents // 5)
        self.residents = [
            Resident(_token(seed, "resident", i), self.rng.choices(channel_ids, weights)[0],
                     self.rng.choice(counties))
            for i in range(pool)
        ]  # fmt: skip
        self.staff = [(f"staff:{900 + i}", self.rng.choice([*counties, "511100"])) for i in range(12)]
        self.kiosks = [(f"LS-{c}-{8001 + i}", c) for i, c in enumerate(counties * 2)]
        self.partners = [("P-HOSPITAL-01", "511102"), ("P-BANK-02", "511181")]
        self.seq = 0
        self.approvals: list[tuple[datetime, str]] = []

    def rows(self) -> Iterator[Row]:
        for day in self.days:
            yield from self._residents(day)
            yield from self._staff(day)
            yield from self._devices(day)
        self.approvals.clear()

    # ---------- residents: sessions and the application funnel

    def _residents(self, day: date) -> Iterator[Row]:
        rng = self.rng
        for _ in range(int(self.sessions_per_day * rng.uniform(0.8, 1.2))):
            # a small core of residents comes back often (repeat use), the rest now and then
            who = self.residents[int(len(self.residents) * rng.random() ** 2)]
            at = _moment(day, rng.choices(range(24), RESIDENT_HOURS)[0], rng)
            yield from self._session(who, at)

    def _session(self, who: Resident, at: datetime) -> Iterator[Row]:
        rng, ip = self.rng, _ip(self.rng, who.county)
        yield self._row(H5["enter"], at, "anonymous", None, who, ip)
        for step in ["home", *rng.sample(["qa", "loss", "home"], rng.randrange(0, 3))]:
            at += timedelta(seconds=rng.uniform(10, 300))
            yield self._row(H5[step], at, "resident", who.token, who, ip)
        if rng.random() >= P_OPEN_FORM:
            return
        at += timedelta(seconds=rng.uniform(10, 120))
        yield self._row(H5["form"], at, "resident", who.token, who, ip)
        if rng.random() >= P_SUBMIT:
            return
        at += timedelta(seconds=rng.uniform(60, 300))
        if rng.random() < P_INVALID:  # a form sent back (422), then corrected
            yield self._row(H5["submit"], at, "resident", who.token, who, ip, failed=True)
            at += timedelta(seconds=rng.uniform(30, 120))
        self.seq += 1
        application = f"S{at:%Y%m%d}{self.seq:06d}"
        yield self._row(H5["submit"], at, "resident", who.token, who, ip, obj=application, status=303)
        at += timedelta(seconds=rng.uniform(1, 5))  # the redirect to the progress page
        yield self._row(H5["progress"], at, "resident", who.token, who, ip, obj=application)
        if rng.random() < P_APPROVE:
            self.approvals.append((at + timedelta(hours=rng.uniform(1, 40)), application))

    # ---------- staff (approvals included), kiosks, partner systems

    def _staff(self, day: date) -> Iterator[Row]:
        rng = self.rng
        start, stop = _moment(day, 0, rng, 0), _moment(day + timedelta(days=1), 0, rng, 0)
        due = sorted(a for a in self.approvals if start <= a[0] < stop and a[0] <= _end_of(self.end))
        for at, application in due:
            token, county = rng.choice(self.staff)
            yield self._row(APPROVE, at, "staff", token, None, _ip(rng, county), obj=application)
        for token, county in self.staff:
            ip = _ip(rng, county)
            for _ in range(rng.randrange(10, 40)):
                at = _moment(day, rng.choices(range(24), WORK_HOURS)[0], rng)
                yield self._row(rng.choice(STAFF), at, "staff", token, None, ip)

    def _devices(self, day: date) -> Iterator[Row]:
        rng = self.rng
        for device, county in self.kiosks:
            ip = _ip(rng, county)
            for _ in range(rng.randrange(10, 30)):
                at = _moment(day, rng.choices(range(24), WORK_HOURS)[0], rng)
                yield self._row(rng.choice(KIOSK), at, "device", device, None, ip)
        for partner, county in self.partners:
            ip = _ip(rng, county)
            for _ in range(rng.randrange(5, 25)):
                at = _moment(day, rng.choices(range(24), WORK_HOURS)[0], rng)
                yield self._row(rng.choice(PARTNER), at, "partner", partner, None, ip)

    def _row(self, endpoint: Endpoint, at: datetime, kind: str, token: str | None, who: Resident | None,
             ip: str, *, obj: str | None = None, status: int | None = None,
             failed: bool = False) -> Row:  # fmt: skip
        method, path, operation, module, median, error_rate, error_status, code = endpoint
        rng = self.rng
        failed = failed or rng.random() < error_rate
        if failed:
            status = error_status
        elif status is None:
            status = 303 if path == "/h5/enter" else 201 if method == "POST" and "device" in path else 200
        latency = median * rng.lognormvariate(0, 0.6) * (0.3 if failed else 1.0)
        place = places.place_of(ip)
        if who is not None:
            channel = CHANNELS[who.channel_id][0]
        else:
            channel = {"staff": "工作人员后台", "device": "自助终端", "partner": "合作系统"}[kind]
        self.seq += 1
        return Row(
            at=at, actor_kind=kind, actor_token=token, channel=channel,
            channel_id=who.channel_id if who else None, module=module, method=method, endpoint=path,
            operation=operation, object_id=obj, status=status, result=f"{status // 100}xx",
            error_code=(code or None) if status >= 400 else None, latency_ms=round(latency, 3),
            ip_masked=places.mask(ip), county_code=place.county_code, place=place.name,
            request_id=f"sim-{self.seq:010d}",
        )  # fmt: skip


def _moment(day: date, hour: int, rng: random.Random, spread: int = 3600) -> datetime:
    """A UTC instant in the given Beijing hour of ``day`` (uniform within the hour)."""
    local = datetime.combine(day, time(hour)) + timedelta(seconds=rng.uniform(0, spread) if spread else 0)
    return (local - BEIJING).replace(tzinfo=UTC)


def _end_of(day: date) -> datetime:
    return (datetime.combine(day + timedelta(days=1), time()) - BEIJING).replace(tzinfo=UTC)


COLUMNS = Row._fields


def write(rows: list[Row], database: str, start: datetime, stop: datetime) -> int:
    """Replace the simulated rows of ``[start, stop)`` in ``database``.access_log (COPY); rows written."""
    import psycopg

    from yikatong import db

    with psycopg.connect(db.dsn(database)) as conn:
        found = conn.execute("select to_regclass('public.access_log') is not null").fetchone()[0]
        if not found:
            raise RuntimeError(f"{database} 库中尚无 access_log 表，请先执行 ykt api migrate")
        conn.execute(
            "delete from access_log where request_id like 'sim-%%' and at >= %s and at < %s", (start, stop)
        )
        with conn.cursor().copy(f"copy access_log ({', '.join(COLUMNS)}) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
    return len(rows)


def generate(
    scale: str, days: int, end: date = ANCHOR, seed: int = 7
) -> tuple[list[Row], datetime, datetime]:
    """Every row of the window ending on ``end`` (Beijing days), with the window's UTC bounds."""
    history = History(scale, days, end, seed)
    rows = sorted(history.rows(), key=lambda r: r.at)
    return rows, *_window(end, days)


STAGE_DAYS = 14


def stage_history() -> str:
    """`make run` stage: the last STAGE_DAYS days of access history before the as-of date (once).

    Skipped when simulated rows already cover that window (the pipeline extracts `access_log` by
    time, so rows written after their day ran would never be taken: the stage runs before it).
    """
    import psycopg

    from simulators import state
    from yikatong import db
    from yikatong.settings import get_settings

    settings = get_settings()
    try:
        simulated = state.load()
        as_of, scale, seed = simulated.as_of, simulated.scale, simulated.seed
    except state.NotSimulatedError:
        as_of, scale, seed = ANCHOR, settings.scale, 7
    start, stop = _window(as_of, STAGE_DAYS)
    with psycopg.connect(db.dsn(settings.ops_database)) as conn:
        found = conn.execute(
            "select count(*) from access_log where request_id like 'sim-%%' and at >= %s and at < %s",
            (start, stop),
        ).fetchone()[0]
    if found:
        return f"已有 {found} 条模拟访问记录（{STAGE_DAYS} 天，截至 {as_of}），跳过"
    rows, start, stop = generate(scale, STAGE_DAYS, as_of, seed)
    written = write(rows, settings.ops_database, start, stop)
    return f"写入 {written} 条模拟访问记录（{scale}，{STAGE_DAYS} 天，截至 {as_of}）"


def _window(end: date, days: int) -> tuple[datetime, datetime]:
    start = (datetime.combine(end - timedelta(days=days - 1), time()) - BEIJING).replace(tzinfo=UTC)
    return start, _end_of(end)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.access_history", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", default="small", choices=["small", "demo", "bench"])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--end", type=date.fromisoformat, default=ANCHOR, help="the last Beijing day (YYYY-MM-DD)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", help="ops database (default: the settings' ops_database)")
    args = parser.parse_args(argv)
    from yikatong.settings import get_settings

    rows, start, stop = generate(args.scale, args.days, args.end, args.seed)
    written = write(rows, args.database or get_settings().ops_database, start, stop)
    print(f"访问记录历史：{written} 行（{args.days} 天，截至 {args.end}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
