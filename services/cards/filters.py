"""Query conditions shared by the card lists and statistics: region, outlet, device, time range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import Depends, Query

from services.base.errors import invalid
from services.base.security import Scope

RegionQuery = Annotated[str | None, Query(pattern=r"^\d{6,12}$", description="区划代码（本人区域内再细分）")]
OutletQuery = Annotated[str | None, Query(pattern=r"^\d{12}$", description="网点代码")]
DeviceQuery = Annotated[str | None, Query(max_length=20, description="设备编号")]
BEIJING = ZoneInfo("Asia/Shanghai")


def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is 北京时间 (what staff type)."""
    return value.replace(tzinfo=BEIJING) if value is not None and value.tzinfo is None else value


@dataclass(frozen=True)
class Where:
    """区域、网点、设备与时间范围 [开始, 结束)。"""

    region: str | None = None
    outlet_code: str | None = None
    device_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def audit(self) -> dict[str, Any]:
        return {k: str(v) for k, v in vars(self).items() if v is not None}


def where_params(
    region: RegionQuery = None,
    outlet_code: OutletQuery = None,
    device_id: DeviceQuery = None,
    start: Annotated[datetime | None, Query(alias="from", description="开始时间（含），ISO 8601")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="结束时间（不含），ISO 8601")] = None,
) -> Where:
    start, end = _aware(start), _aware(end)
    if start and end and start >= end:
        raise invalid("TIME_RANGE_INVALID", "开始时间应早于结束时间", {"from": str(start), "to": str(end)})
    return Where(region, outlet_code, device_id, start, end)


WhereDep = Annotated[Where, Depends(where_params)]


def conditions(scope: Scope, f: Where, model: Any, time_column: Any | None) -> list[Any]:
    """SQL conditions on `model` (with region_code, outlet_code, device_id columns) for `f` in `scope`."""
    narrowed = scope.narrow(f.region)
    if narrowed is None:
        return [sa.false()]
    out = [narrowed.where(model.region_code)]
    if f.outlet_code:
        out.append(model.outlet_code == f.outlet_code)
    if f.device_id:
        out.append(model.device_id == f.device_id)
    if time_column is not None and f.start:
        out.append(time_column >= f.start)
    if time_column is not None and f.end:
        out.append(time_column < f.end)
    return out
