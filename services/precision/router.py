"""持卡人跟踪与服务策略：`/api/v1/admin/holders/...`、`/api/v1/admin/strategy-runs`（`precision:read`）。"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, invalid
from services.base.permissions import Perm
from services.base.security import RegionScope, staff_route
from services.precision import graph
from services.precision.models import StrategyRun, StrategyTarget
from services.precision.schemas import HolderNetwork, HolderQuery, StrategyRunOut
from services.precision.targets import BEIJING
from services.trajectories.people import TOKEN_PATTERN, token_of, visible_person
from services.trajectories.store import AnalyticsDep, loaded_store

router = APIRouter(prefix="/api/v1/admin", tags=["精准服务"], responses=COMMON_RESPONSES)
NOT_VISIBLE = {404: {"description": "人员不存在或不在管辖区域内"}, 503: {"description": "分析库尚未装载"}}
_LATEST = sa.text("select max(logical_date) from pipeline.batch")


async def _as_of(conn) -> date:
    try:
        newest = (await conn.execute(_LATEST)).scalar()
    except sa.exc.ProgrammingError:  # no pipeline run yet
        await conn.rollback()
        newest = None
    return newest or datetime.now(BEIJING).date()


async def _network(session, conn, token: str, scope) -> HolderNetwork:
    with loaded_store():
        person = await visible_person(conn, token, scope)
        as_of = await _as_of(conn)
        return HolderNetwork(**await graph.network(session, conn, person, as_of))


@router.get(
    "/holders/{person_token}/network",
    response_model=HolderNetwork,
    **staff_route("持卡人状态关系网", Perm.PRECISION_READ, "holder.network", "person", responses=NOT_VISIBLE),
)
async def holder_network(
    person_token: Annotated[str, Path(pattern=TOKEN_PATTERN, description="人员令牌（盲索引）")],
    session: SessionDep,
    conn: AnalyticsDep,
    scope: RegionScope,
    audit: AuditDep,
) -> HolderNetwork:
    """一人的卡、申请、问题、待遇与服务待办及其关系（脱敏）；管辖区域外的人员返回 404。"""
    network = await _network(session, conn, person_token, scope)
    await audit.commit(session, object_id=person_token, detail={"nodes": len(network.nodes)})
    return network


@router.post(
    "/holders/network",
    response_model=HolderNetwork,
    **staff_route(
        "按证件号码查询持卡人关系网", Perm.PRECISION_READ, "holder.network", "person", responses=NOT_VISIBLE
    ),
)
async def holder_network_by_number(
    body: HolderQuery, session: SessionDep, conn: AnalyticsDep, scope: RegionScope, audit: AuditDep
) -> HolderNetwork:
    """证件号码只在请求体中，服务端转换为盲索引令牌后查询。"""
    if (body.id_number is None) == (body.person_token is None):
        raise invalid("PERSON_REQUIRED", "请提供证件号码或人员令牌之一")
    token = token_of(body.id_number) if body.id_number else body.person_token
    network = await _network(session, conn, token, scope)
    await audit.commit(
        session,
        object_id=token,
        detail={"nodes": len(network.nodes), "addressed_by": "id_number" if body.id_number else "token"},
    )
    return network


@router.get(
    "/strategy-runs",
    response_model=list[StrategyRunOut],
    **staff_route("服务策略运行与成效", Perm.PRECISION_READ, "strategy_run.list", "strategy_run"),
)
async def strategy_runs(
    session: SessionDep,
    scope: RegionScope,
    audit: AuditDep,
    strategy_id: Annotated[str | None, Query(max_length=40, description="策略编号")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="最近多少次运行")] = 50,
) -> list[StrategyRunOut]:
    """最近的策略运行，目标与成效只计本辖区内的人员。"""
    t = StrategyTarget
    counts = (
        sa.select(
            t.run_id,
            sa.func.count().label("targets"),
            sa.func.count(t.message_id).label("delivered"),
            sa.func.count().filter(t.outcome == "已办理").label("acted"),
            sa.func.count().filter(t.outcome == "未办理").label("not_acted"),
            sa.func.count().filter(t.outcome == "待观察").label("pending"),
        )
        .where(scope.where(sa.func.coalesce(t.county_code, "511100")))
        .group_by(t.run_id)
        .subquery()
    )
    r = StrategyRun
    query = (
        sa.select(
            r.run_id,
            r.strategy_id,
            r.strategy_name,
            r.as_of_date,
            r.channel_id,
            r.note,
            *(
                sa.func.coalesce(getattr(counts.c, n), 0).label(n)
                for n in ("targets", "delivered", "acted", "not_acted", "pending")
            ),
        )
        .join(counts, counts.c.run_id == r.run_id, isouter=True)
        .where(r.strategy_id == strategy_id if strategy_id else sa.true())
        .order_by(r.as_of_date.desc(), r.strategy_id)
        .limit(limit)
    )
    rows = [StrategyRunOut(**row._mapping) for row in (await session.execute(query)).all()]
    await audit.commit(session, detail={"strategy_id": strategy_id, "runs": len(rows)})
    return rows
