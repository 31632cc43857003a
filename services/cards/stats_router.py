"""业务数据监控：`/api/v1/admin/stats/...`（设备、网点、发卡 / 补卡 / 换卡 / 预制卡 / 废卡统计）。

The definitions of every figure are in `services.cards.stats`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.permissions import Perm
from services.base.security import RegionScope, staff_route
from services.cards import filters, stats

router = APIRouter(prefix="/api/v1/admin/stats", tags=["业务统计"], responses=COMMON_RESPONSES)
By = Annotated[stats.GroupBy, Query(description="分组：region 下一级区域 / outlet 网点 / device 设备")]


class StatsTable(BaseModel):
    """一张统计表：每组一行（key、name 与各项指标），以及合计。"""

    group_by: str
    region: str = Field(description="统计的区域")
    rows: list[dict[str, Any]]
    total: dict[str, int]


def _route(summary: str, action: str) -> dict:
    return staff_route(summary, Perm.STATS_READ, action, "stats", response_model=StatsTable)


@router.get("/devices", **_route("设备统计", "stats.devices"))
async def devices(
    session: SessionDep, scope: RegionScope, audit: AuditDep, where: filters.WhereDep, by: By = "region"
) -> StatsTable:
    """设备数（devices）、使用状态（enabled 启用 / disabled 停用）、在线（online / offline）。

    按下一级区域或网点分组（柱状图的数据）。
    """
    table = await stats.device_stats(session, scope, where, "outlet" if by == "device" else by)
    await audit.commit(session, detail=where.audit() | {"by": by})
    return StatsTable(**table)


@router.get("/outlets", **_route("网点统计", "stats.outlets"))
async def outlets(
    session: SessionDep, scope: RegionScope, audit: AuditDep, where: filters.WhereDep
) -> StatsTable:
    """部署了设备的网点数（outlets_with_devices）、有启用设备的网点数、网点总数（outlets）。

    按下一级区域分组。
    """
    table = await stats.outlet_stats(session, scope, where)
    await audit.commit(session, detail=where.audit())
    return StatsTable(**table)


@router.get("/cards", **_route("发卡、补卡、换卡、预制卡、废卡统计", "stats.cards"))
async def cards(
    session: SessionDep, scope: RegionScope, audit: AuditDep, where: filters.WhereDep, by: By = "region"
) -> StatsTable:
    """按区域、网点或设备，可按时间范围筛选：

    - issued 发卡（领卡 + 补卡 + 换卡）、pickups 领卡、replacements 补卡、exchanges 换卡；
    - blank_added 预制卡添加、blank_used 预制卡使用、blank_remaining 预制卡未使用（当前余量）；
    - waste 废卡。
    """
    table = await stats.card_stats(session, scope, where, by)
    await audit.commit(session, detail=where.audit() | {"by": by})
    return StatsTable(**table)
