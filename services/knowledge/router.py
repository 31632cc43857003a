"""知识管理（工作人员）：`/api/v1/admin/knowledge/items/...` 查询、新增、修改、停用知识条目。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm
from services.base.security import CurrentUser, staff_route
from services.knowledge import repository as repo
from services.knowledge.corpus import KnowledgeItem
from services.knowledge.schemas import ItemCreate, ItemOut, ItemUpdate

router = APIRouter(prefix="/api/v1/admin/knowledge/items", tags=["知识管理"], responses=COMMON_RESPONSES)
ItemId = Annotated[str, Path(pattern=r"^KB-\d{4,6}$", description="条目编号，如 KB-0001")]
NOT_FOUND = {404: {"description": "知识条目不存在"}}
CONFLICT = {409: {"description": "版本冲突或条目已停用"}}


def _route(summary: str, action: str, *, write: bool = False, **kwargs) -> dict:
    permission = Perm.KNOWLEDGE_MANAGE if write else Perm.KNOWLEDGE_READ
    return staff_route(summary, permission, action, "knowledge_item", **kwargs)


def _out(item: KnowledgeItem) -> ItemOut:
    return ItemOut(**(vars(item) | {"questions": list(item.questions)}))


@router.get("", response_model=Page[ItemOut], **_route("查询知识条目", "knowledge.list"))
async def list_items(
    session: SessionDep,
    page: PageDep,
    audit: AuditDep,
    topic: Annotated[str | None, Query(max_length=20, description="主题")] = None,
    item_status: Annotated[str | None, Query(alias="status", pattern="^(有效|已停用)$")] = None,
    q: Annotated[str | None, Query(max_length=50, description="问法或答案中包含的文字")] = None,
) -> Page[ItemOut]:
    """全部知识条目（随系统发布的语料与修订合并），按编号排序，可按主题、状态、文字筛选。"""
    items = [
        i
        for i in await repo.all_items(session)
        if (topic is None or i.topic == topic)
        and (item_status is None or i.status == item_status)
        and (q is None or q in i.answer or any(q in x for x in i.questions))
    ]
    await audit.commit(session, detail={"topic": topic, "status": item_status, "total": len(items)})
    chunk = items[page.offset : page.offset + page.size]
    return Page(items=[_out(i) for i in chunk], total=len(items), page=page.page, size=page.size)


@router.get(
    "/{item_id}", response_model=ItemOut, **_route("知识条目详情", "knowledge.read", responses=NOT_FOUND)
)
async def get_item(item_id: ItemId, session: SessionDep, audit: AuditDep) -> ItemOut:
    """一个知识条目的当前版本。"""
    item = await repo.get_item(session, item_id)
    await audit.commit(session)
    return _out(item)


@router.post(
    "",
    response_model=ItemOut,
    status_code=status.HTTP_201_CREATED,
    **_route("新增知识条目", "knowledge.create", write=True),
)
async def create_item(body: ItemCreate, session: SessionDep, user: CurrentUser, audit: AuditDep) -> ItemOut:
    """新增一个知识条目（编号自动分配），立即参与问答检索。"""
    item = await repo.create(session, body, user)
    await audit.commit(session, object_id=item.id, detail={"topic": item.topic})
    return _out(item)


@router.patch(
    "/{item_id}",
    response_model=ItemOut,
    **_route("修改知识条目", "knowledge.update", write=True, responses=NOT_FOUND | CONFLICT),
)
async def update_item(
    item_id: ItemId, body: ItemUpdate, session: SessionDep, user: CurrentUser, audit: AuditDep
) -> ItemOut:
    """修改条目的问法、答案、有效期等；须带上修改所依据的版本号，版本过期时 409。"""
    item = await repo.update(session, item_id, body, user)
    fields = sorted(body.model_dump(exclude_unset=True, exclude={"version"}))
    await audit.commit(session, detail={"fields": fields, "version": item.version})
    return _out(item)


@router.post(
    "/{item_id}/retire",
    response_model=ItemOut,
    **_route("停用知识条目", "knowledge.retire", write=True, responses=NOT_FOUND | CONFLICT),
)
async def retire_item(item_id: ItemId, session: SessionDep, user: CurrentUser, audit: AuditDep) -> ItemOut:
    """停用条目：不再参与问答检索，历史版本号保留。"""
    item = await repo.retire(session, item_id, user)
    await audit.commit(session, detail={"version": item.version})
    return _out(item)
