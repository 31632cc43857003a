"""存活与就绪探针（负载均衡与 `make run` 使用）。"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.base.db import SessionDep
from services.migrations import head_revisions

router = APIRouter(prefix="/api/v1", tags=["运行状态"])


@router.get("/health", summary="存活检查", description="进程在运行即返回 ok，不访问数据库。")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="就绪检查",
    description="数据库可连接且迁移已到最新版本时返回 200，否则返回 503。",
    responses={503: {"description": "数据库不可用或迁移未完成"}},
)
async def ready(session: SessionDep) -> JSONResponse:
    try:
        rows = await session.scalars(sa.text("select version_num from alembic_version"))
        current = tuple(sorted(rows))
    except Exception:  # any database failure means "not ready"
        return JSONResponse({"code": "NOT_READY", "message": "数据库不可用或未迁移", "detail": None}, 503)
    if current != head_revisions():
        detail = {"current": list(current), "head": list(head_revisions())}
        return JSONResponse({"code": "NOT_READY", "message": "数据库迁移未到最新版本", "detail": detail}, 503)
    return JSONResponse({"status": "ready", "revision": ", ".join(current)})
