"""用卡轨迹时间线：`/api/v1/admin/trajectories/...`（`trajectory:read`，按区域，审计，按时间分页）。"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, invalid
from services.base.permissions import Perm
from services.base.security import RegionScope, Scope, staff_route
from services.trajectories import cursor as cursors
from services.trajectories.people import TOKEN_PATTERN, token_of, visible
from services.trajectories.schemas import MAX_PAGE, Timeline, TimelineQuery, TrajectoryKind
from services.trajectories.store import AnalyticsDep, loaded_store, timeline_page

router = APIRouter(prefix="/api/v1/admin/trajectories", tags=["用卡轨迹"], responses=COMMON_RESPONSES)
NOT_VISIBLE = {404: {"description": "人员不存在或不在管辖区域内"}, 503: {"description": "轨迹库尚未装载"}}


async def _timeline(conn, token: str, scope: Scope, query: TimelineQuery) -> Timeline:
    if query.since and query.until and query.since >= query.until:
        raise invalid("RANGE_INVALID", "起始时间应早于结束时间")
    before = cursors.decode(query.cursor) if query.cursor else None
    with loaded_store():
        found, rows, more = await timeline_page(
            conn, token, query.size, kind=query.kind, since=query.since, until=query.until, before=before
        )
    person = visible(found, scope)  # outside the region: 404 before anything found is used
    last = rows[-1] if rows and more else None
    next_cursor = cursors.encode(last["occurred_at"], last["event_id"]) if last else None
    return Timeline(person=person.public(), items=rows, next_cursor=next_cursor)


def _detail(query: TimelineQuery, timeline: Timeline, addressed_by: str) -> dict:
    return {
        "addressed_by": addressed_by,
        "kind": query.kind,
        "events": len(timeline.items),
        "paged": query.cursor is not None,
    }


@router.post(
    "/query",
    response_model=Timeline,
    **staff_route(
        "按证件号码或令牌查询用卡轨迹",
        Perm.TRAJECTORY_READ,
        "trajectory.read",
        "person",
        responses=NOT_VISIBLE,
    ),
)
async def query_timeline(
    body: TimelineQuery, session: SessionDep, conn: AnalyticsDep, scope: RegionScope, audit: AuditDep
) -> Timeline:
    """证件号码在服务端转换为盲索引令牌后查询；证件号码只在请求体中，不写入审计与日志。
    返回的人员与轨迹全部脱敏；管辖区域外的人员与不存在的人员一样返回 404。"""
    if (body.id_number is None) == (body.person_token is None):
        raise invalid("PERSON_REQUIRED", "请提供证件号码或人员令牌之一")
    token = token_of(body.id_number) if body.id_number else body.person_token
    timeline = await _timeline(conn, token, scope, body)
    addressed_by = "id_number" if body.id_number else "token"
    await audit.commit(session, object_id=token, detail=_detail(body, timeline, addressed_by))
    return timeline


@router.get(
    "/{person_token}",
    response_model=Timeline,
    **staff_route("用卡轨迹时间线", Perm.TRAJECTORY_READ, "trajectory.read", "person", responses=NOT_VISIBLE),
)
async def get_timeline(
    person_token: Annotated[str, Path(pattern=TOKEN_PATTERN, description="人员令牌（盲索引）")],
    session: SessionDep,
    conn: AnalyticsDep,
    scope: RegionScope,
    audit: AuditDep,
    kind: Annotated[TrajectoryKind | None, Query(description="轨迹类别")] = None,
    since: Annotated[datetime | None, Query(description="起（含），带时区")] = None,
    until: Annotated[datetime | None, Query(description="止（不含），带时区")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="上一页返回的 next_cursor")] = None,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE, description="每页条数")] = 50,
) -> Timeline:
    """一人的用卡轨迹，新的在前，按时间游标翻页（`next_cursor`）。"""
    if any(t is not None and t.tzinfo is None for t in (since, until)):
        raise invalid("TIME_ZONE_REQUIRED", "时间须带时区，如 2026-11-01T00:00:00+08:00")
    query = TimelineQuery(
        person_token=person_token, kind=kind, since=since, until=until, cursor=cursor, size=size
    )
    timeline = await _timeline(conn, person_token, scope, query)
    await audit.commit(session, object_id=person_token, detail=_detail(query, timeline, "token"))
    return timeline
