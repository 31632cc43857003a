"""业务数据监控（seed 2.5）：设备、网点、发卡、补卡、换卡、预制卡、废卡统计 —— 口径定义。

These definitions are the contract: the analytics marts (dbt, Superset) compute the same figures
from the same `ops` tables and must use the same words.

- **设备统计**: kiosks registered in `terminal_device`, where they are now. 设备数 = rows;
  使用状态 启用 / 停用 = `status`; 在线 = last heartbeat (`last_seen_at`) within
  `YKT_DEVICE_ONLINE_TIMEOUT_S` (300 s) of the query time, 离线 = 设备数 − 在线.
- **网点统计**: 部署设备的网点数 = distinct `outlet_code` of registered devices (any status);
  有启用设备的网点数 = the same over 启用 devices; 网点总数 = the outlets of the region in the
  region register (`yikatong.regions`).
- **发卡** = `card_issuance` rows (领卡 + 补卡 + 换卡) with `issued_at` in [from, to);
  **领卡 / 补卡 / 换卡** = the rows of that `issue_type`. 领卡 is the successful pickup of a
  finished card; 补卡 and 换卡 are cards made at the kiosk.
- **预制卡**: 添加 = Σ `card_blank_addition.quantity` with `added_at` in range; 使用 = Σ
  `card_blank_usage.quantity` (制卡 + 废卡) with `occurred_at` in range; 未使用 = Σ
  (`added_total` − `used_total`) of `card_blank_stock` for the devices now in the group — a
  balance at query time, not limited by the range.
- **废卡** = Σ `card_blank_usage.quantity` with `usage` = 废卡 and `occurred_at` in range.

Event rows count where the device was when the event happened (the outlet and region stored on
the row), so moving a device does not move its history; device and balance figures use the
register as it is now. Times are the kiosk's event times (UTC in the database); ranges are
half-open. Grouping `by=region` is the level below the asked region (city → its 11 counties,
county → its townships, township → itself); `by=outlet` and `by=device` list every outlet or
device of the region that has a device or an event, zeros included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.security import Scope
from services.cards import stats_days as daily
from services.cards.filters import Where
from services.cards.models import BlankCardAddition, BlankCardStock, BlankCardUsage, CardStatsDaily, Issuance
from services.terminals.models import Device
from yikatong import regions
from yikatong.settings import get_settings

GroupBy = Literal["region", "outlet", "device"]
CARD_METRICS = (
    "issued",
    "pickups",
    "replacements",
    "exchanges",
    "blank_added",
    "blank_used",
    "blank_remaining",
    "waste",
)
DAILY_METRICS = ("issued", "pickups", "replacements", "exchanges", "blank_added", "blank_used", "waste")
DEVICE_METRICS = ("devices", "enabled", "disabled", "online", "offline")
OUTLET_METRICS = ("outlets", "outlets_with_devices", "outlets_with_enabled_devices")
BY_KEY = sa.literal_column("1")  # group by the first column (the key) by position


@dataclass
class Table:
    """Rows keyed by group, with a name per key and a total row."""

    group_by: str
    region: str
    metrics: tuple[str, ...]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, key: str | None, **values: int) -> None:
        if key is None:
            return
        row = self.rows.setdefault(key, dict.fromkeys(self.metrics, 0))
        for name, value in values.items():
            row[name] += int(value or 0)

    def out(self) -> dict[str, Any]:
        rows = [{"key": k, "name": self.names.get(k, k), **v} for k, v in sorted(self.rows.items())]
        total = {m: sum(r[m] for r in rows) for m in self.metrics}
        return {"group_by": self.group_by, "region": self.region, "rows": rows, "total": total}


@dataclass(frozen=True)
class _Query:
    """One statistics request: grouping, the asked region, its scope, filters, and the result."""

    by: GroupBy
    region: str
    scope: Scope
    where: Where
    table: Table


def _level(region: str) -> int:
    """Key length for `by=region`: counties under the city, townships under a county."""
    return 6 if region == regions.CITY else 9


def _key(model: Any, by: GroupBy, region: str) -> Any:
    if by == "outlet":
        return model.outlet_code
    if by == "device":
        return model.device_id
    return sa.func.substr(model.region_code, 1, _level(region))


def _children(region: str) -> list[regions.Region]:
    """The groups of `by=region`: counties of the city, townships of a county, else the township."""
    if not regions.exists(region):
        return []
    level = regions.get(region).level
    if level in ("city", "county"):
        return regions.by_level("county" if level == "city" else "township", region)
    return [regions.get(region[:9])]


def _seed_regions(table: Table, region: str) -> None:
    for child in _children(region):
        table.add(child.code)
        table.names[child.code] = child.name


async def _seed_registry(session: AsyncSession, table: Table, scope: Scope, by: GroupBy) -> None:
    """Every device or outlet of the region, so the bars include zeros."""
    column = Device.device_id if by == "device" else Device.outlet_code
    query = sa.select(column, Device.name).where(scope.where(Device.region_code))
    for key, name in await session.execute(query):
        table.add(key)
        table.names[key] = name if by == "device" else (regions.name(key) if regions.exists(key) else key)


def _in_range(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    return [c for c in (column >= start if start else None, column < end if end else None) if c is not None]


def _located(model: Any, scope: Scope, where: Where) -> list[Any]:
    conditions = [scope.where(model.region_code)]
    if where.outlet_code:
        conditions.append(model.outlet_code == where.outlet_code)
    if where.device_id:
        conditions.append(model.device_id == where.device_id)
    return conditions


async def _events(session: AsyncSession, q: _Query, start: datetime | None, end: datetime | None) -> None:
    """The event figures of [start, end) from the event rows themselves."""
    kind, by, region, scope, where, table = Issuance.issue_type, q.by, q.region, q.scope, q.where, q.table
    issued = sa.select(
        _key(Issuance, by, region),
        sa.func.count(),
        sa.func.count().filter(kind == "领卡"),
        sa.func.count().filter(kind == "补卡"),
        sa.func.count().filter(kind == "换卡"),
    ).where(*_located(Issuance, scope, where), *_in_range(Issuance.issued_at, start, end))
    for key, total, pickups, replacements, exchanges in await session.execute(issued.group_by(BY_KEY)):
        table.add(key, issued=total, pickups=pickups, replacements=replacements, exchanges=exchanges)
    added = sa.select(_key(BlankCardAddition, by, region), sa.func.sum(BlankCardAddition.quantity)).where(
        *_located(BlankCardAddition, scope, where), *_in_range(BlankCardAddition.added_at, start, end)
    )
    for key, quantity in await session.execute(added.group_by(BY_KEY)):
        table.add(key, blank_added=quantity)
    used = sa.select(
        _key(BlankCardUsage, by, region),
        sa.func.sum(BlankCardUsage.quantity),
        sa.func.sum(BlankCardUsage.quantity).filter(BlankCardUsage.usage == "废卡"),
    ).where(*_located(BlankCardUsage, scope, where), *_in_range(BlankCardUsage.occurred_at, start, end))
    for key, quantity, waste in await session.execute(used.group_by(BY_KEY)):
        table.add(key, blank_used=quantity, waste=waste)


async def _whole_days(session: AsyncSession, q: _Query, first: date | None, stop: date | None) -> None:
    """The event figures of whole days [first, stop) from the daily table (same definitions)."""
    d = CardStatsDaily
    sums = [sa.func.sum(getattr(d, name)) for name in DAILY_METRICS]
    query = sa.select(_key(d, q.by, q.region), *sums).where(
        *_located(d, q.scope, q.where), *_in_range(d.day, first, stop)
    )
    for key, *values in await session.execute(query.group_by(BY_KEY)):
        q.table.add(key, **dict(zip(DAILY_METRICS, values, strict=True)))


async def card_stats(session: AsyncSession, scope: Scope, where: Where, by: GroupBy) -> dict[str, Any]:
    """发卡、领卡、补卡、换卡、预制卡（添加 / 使用 / 未使用）、废卡，按区域、网点或设备。

    By region or outlet, the whole days of the range come from `card_stats_daily` and only the
    partial days at its ends from the event rows; by device (or for one device) all of it from
    the event rows, which the daily table does not split by device.
    """
    narrowed = scope.narrow(where.region)
    table = Table(by, where.region or scope.region_code, CARD_METRICS)
    if narrowed is None:
        return table.out()
    region = narrowed.region_code
    if by == "region":
        _seed_regions(table, region)
    else:
        await _seed_registry(session, table, narrowed, by)
    q = _Query(by, region, narrowed, where, table)
    days = None if by == "device" or where.device_id else daily.split(where.start, where.end)
    if days is None:
        await _events(session, q, where.start, where.end)
    else:
        for start, end in days.partial:
            await _events(session, q, start, end)
        await _whole_days(session, q, days.first, days.stop)
    remaining = (
        sa.select(
            _key(Device, by, region), sa.func.sum(BlankCardStock.added_total - BlankCardStock.used_total)
        )
        .join(BlankCardStock, BlankCardStock.device_id == Device.device_id)
        .where(*_located(Device, narrowed, where))
    )
    for key, quantity in await session.execute(remaining.group_by(BY_KEY)):
        table.add(key, blank_remaining=quantity)
    return table.out()


async def device_stats(session: AsyncSession, scope: Scope, where: Where, by: GroupBy) -> dict[str, Any]:
    """设备数、启用 / 停用、在线 / 离线，按区域或网点（柱状图的数据）。"""
    narrowed = scope.narrow(where.region)
    table = Table(by, where.region or scope.region_code, DEVICE_METRICS)
    if narrowed is None:
        return table.out()
    region = narrowed.region_code
    if by == "region":
        _seed_regions(table, region)
    else:
        await _seed_registry(session, table, narrowed, by)
    since = utcnow() - timedelta(seconds=get_settings().device_online_timeout_s)
    online = Device.last_seen_at >= since
    query = sa.select(
        _key(Device, by, region),
        sa.func.count(),
        sa.func.count().filter(Device.status == "启用"),
        sa.func.count().filter(online),
    ).where(*_located(Device, narrowed, where))
    for key, total, enabled, up in await session.execute(query.group_by(BY_KEY)):
        table.add(
            key, devices=total, enabled=enabled, disabled=total - enabled, online=up, offline=total - up
        )
    return table.out()


async def outlet_stats(session: AsyncSession, scope: Scope, where: Where) -> dict[str, Any]:
    """部署了设备的网点数（及有启用设备的网点数、网点总数），按下一级区域。"""
    narrowed = scope.narrow(where.region)
    table = Table("region", where.region or scope.region_code, OUTLET_METRICS)
    if narrowed is None:
        return table.out()
    region = narrowed.region_code
    _seed_regions(table, region)
    n = _level(region)
    for outlet in regions.outlets(region):
        table.add(outlet.code[:n], outlets=1)
    enabled = Device.status == "启用"
    query = sa.select(
        sa.func.substr(Device.outlet_code, 1, n),
        sa.func.count(sa.distinct(Device.outlet_code)),
        sa.func.count(sa.distinct(Device.outlet_code)).filter(enabled),
    ).where(narrowed.where(Device.region_code))
    for key, deployed, with_enabled in await session.execute(query.group_by(BY_KEY)):
        table.add(key, outlets_with_devices=deployed, outlets_with_enabled_devices=with_enabled)
    return table.out()
