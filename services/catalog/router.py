"""数据资源目录接口：`/api/v1/admin/catalog/entries/...`（检索、详情、维护、变更历史、血缘、同步）。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm
from services.base.security import CurrentUser, staff_route
from services.catalog import repository as repo
from services.catalog import sync
from services.catalog.schemas import ChangeOut, EntryDetail, EntryOut, EntryUpdate, LineageOut, SyncOut

router = APIRouter(prefix="/api/v1/admin/catalog", tags=["数据资源目录"], responses=COMMON_RESPONSES)
EntryId = Annotated[int, Path(ge=1, le=2**62, description="目录条目编号")]
NOT_FOUND = {404: {"description": "目录条目不存在"}}


def _route(summary: str, action: str, permission: Perm = Perm.CATALOG_READ, **kwargs) -> dict:
    return staff_route(summary, permission, action, "catalog_entry", **kwargs)


@router.get("/entries", response_model=Page[EntryOut], **_route("检索目录", "catalog.list"))
async def list_entries(
    session: SessionDep, page: PageDep, f: repo.FilterDep, audit: AuditDep
) -> Page[EntryOut]:
    """按关键词（名称、目录键、描述）检索，可按类别、敏感级别、开放级别筛选；按层次与目录键排序。"""
    found, total = await repo.search(session, f, page)
    await audit.commit(session, detail={k: v for k, v in vars(f).items() if v} | {"total": total})
    return Page(
        items=[EntryOut.model_validate(e) for e in found], total=total, page=page.page, size=page.size
    )


@router.get(
    "/entries/{entry_id}",
    response_model=EntryDetail,
    **_route("目录条目详情", "catalog.read", responses=NOT_FOUND),
)
async def get_entry(entry_id: EntryId, session: SessionDep, audit: AuditDep) -> EntryDetail:
    """条目的全部信息：列（含个人信息识别结果与资源项）、上游、数据管理员维护过的字段。"""
    entry = await repo.get(session, entry_id)
    await audit.commit(session)
    return EntryDetail.model_validate(entry)


@router.patch(
    "/entries/{entry_id}",
    response_model=EntryDetail,
    **_route("维护目录条目", "catalog.update", Perm.CATALOG_MANAGE, responses=NOT_FOUND),
)
async def update_entry(
    entry_id: EntryId, body: EntryUpdate, session: SessionDep, user: CurrentUser, audit: AuditDep
) -> EntryDetail:
    """修改描述、责任人、敏感级别、开放级别、更新频率；每个改动记入变更历史，之后的同步不再覆盖。"""
    entry = await repo.get(session, entry_id, lock=True)
    diff = repo.update(session, entry, body, user.username)
    await audit.commit(session, object_id=entry.key, detail=diff)
    return EntryDetail.model_validate(entry)


@router.get(
    "/entries/{entry_id}/history",
    response_model=Page[ChangeOut],
    **_route("目录条目变更历史", "catalog.history", responses=NOT_FOUND),
)
async def entry_history(
    entry_id: EntryId, session: SessionDep, page: PageDep, audit: AuditDep
) -> Page[ChangeOut]:
    """谁在何时把哪个字段从什么改成什么（sync 为自动同步），新的在前。"""
    await repo.get(session, entry_id)
    changes, total = await repo.history(session, entry_id, page)
    await audit.commit(session)
    return Page(
        items=[ChangeOut.model_validate(c) for c in changes], total=total, page=page.page, size=page.size
    )


@router.get(
    "/entries/{entry_id}/lineage",
    response_model=LineageOut,
    **_route("数据血缘", "catalog.lineage", responses=NOT_FOUND),
)
async def entry_lineage(entry_id: EntryId, session: SessionDep, audit: AuditDep) -> LineageOut:
    """来源 → 贴源层 → 标准层 → 集市 → 看板 → 共享导出，上游与下游全部层次。"""
    entry = await repo.get(session, entry_id)
    found = await repo.lineage(session, entry)
    await audit.commit(session)
    return LineageOut(**found)


@router.post("/sync", response_model=SyncOut, **_route("从代码同步目录", "catalog.sync", Perm.CATALOG_MANAGE))
async def sync_catalog(session: SessionDep, audit: AuditDep) -> SyncOut:
    """重新登记代码中声明的全部数据集与资源项（幂等；数据管理员维护过的字段不覆盖）。"""
    from starlette.concurrency import run_in_threadpool

    from services.catalog import registry

    specs = await run_in_threadpool(registry.discover)
    result = await sync.apply(session, specs)
    await audit.commit(session, detail=result.detail)
    return SyncOut(added=result.added, updated=result.updated, unchanged=result.unchanged)
