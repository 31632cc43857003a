"""访问申请与授权：部门申请、数据管理员审批（附理由）、授权（列 + 截止日期）、撤销、按授权实时查询。"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from services.base.db import utcnow
from services.base.errors import ApiError, conflict, invalid, not_found
from services.base.pagination import PageParams, paginate
from services.base.security import Principal
from services.catalog import export, policy
from services.catalog import repository as entries
from services.catalog.classify import CLOSED, OPEN
from services.catalog.departments import name_of
from services.catalog.models import AccessRequest, CatalogEntry, Grant
from services.catalog.schemas import DecisionIn, RequestIn

PENDING, APPROVED, REFUSED = "待审批", "已批准", "已拒绝"
STATUSES = (PENDING, APPROVED, REFUSED)


async def _closed_items(session: AsyncSession) -> set[str]:
    query = sa.select(CatalogEntry.title).where(
        CatalogEntry.kind == "resource", CatalogEntry.openness == CLOSED
    )
    return set(await session.scalars(query))


async def shareable(session: AsyncSession, entry: CatalogEntry) -> dict[str, dict]:
    """The columns of ``entry`` that may leave the platform (refuses entries that cannot be shared)."""
    if entry.kind not in policy.SHAREABLE_KINDS:
        raise invalid(
            "NOT_SHAREABLE", f"{entry.title} 不是可共享的数据集（仅标准层、汇总层、集市）", entry.kind
        )
    if entry.openness == CLOSED:
        raise invalid("RESOURCE_CLOSED", f"{entry.title} 为不予开放，不能申请或授权")
    return policy.shared_columns(entry.columns, entry.openness, await _closed_items(session))


def _check_columns(wanted: list[str], allowed: dict, known: set[str]) -> None:
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise invalid("UNKNOWN_COLUMNS", "申请的列不存在", unknown)
    closed = [c for c in wanted if c not in allowed]
    if closed:
        raise invalid("COLUMNS_NOT_SHAREABLE", "申请的列不予开放（密文或不予开放的资源项）", closed)


def _grant(request: AccessRequest, actor: str) -> Grant:
    return Grant(
        request_id=request.id,
        entry_id=request.entry_id,
        department=request.department,
        columns=request.columns,
        valid_until=request.valid_until,
        granted_by=actor,
    )


async def create_request(
    session: AsyncSession, body: RequestIn, user: Principal
) -> tuple[AccessRequest, Grant | None]:
    """A department's request; a request for an 无条件开放 dataset is approved at once."""
    department = name_of(body.department)
    if department is None:
        raise invalid("UNKNOWN_DEPARTMENT", f"未登记的部门：{body.department}")
    if body.valid_until < date.today():
        raise invalid("INVALID_DATE", "授权截止日期不能早于今天", body.valid_until.isoformat())
    entry = await entries.get(session, body.entry_id)
    allowed = await shareable(session, entry)
    _check_columns(body.columns, allowed, {c["name"] for c in entry.columns})
    request = AccessRequest(
        entry_id=entry.id,
        department=body.department,
        department_name=department,
        columns=body.columns,
        valid_until=body.valid_until,
        purpose=body.purpose,
        requested_by=user.username,
        status=PENDING,
    )
    session.add(request)
    await session.flush()
    grant = None
    if entry.openness == OPEN:
        request.status, request.decided_by, request.decided_at = APPROVED, "auto", utcnow()
        request.reason = "无条件开放，自动批准"
        grant = _grant(request, "auto")
        session.add(grant)
        await session.flush()
    return request, grant


async def get_request(session: AsyncSession, request_id: int, *, lock: bool = False) -> AccessRequest:
    query = sa.select(AccessRequest).where(AccessRequest.id == request_id)
    request = await session.scalar(query.with_for_update() if lock else query)
    if request is None:
        raise not_found("访问申请")
    return request


async def decide(
    session: AsyncSession, request_id: int, body: DecisionIn, user: Principal
) -> tuple[AccessRequest, Grant | None]:
    request = await get_request(session, request_id, lock=True)
    if request.status != PENDING:
        raise conflict("ALREADY_DECIDED", f"该申请已{request.status[1:]}，不能重复审批", request.status)
    grant = None
    if body.approve:
        columns = body.columns if body.columns is not None else request.columns
        if not columns or set(columns) - set(request.columns):
            raise invalid(
                "COLUMNS_NOT_REQUESTED",
                "批准的列须为申请列的非空子集",
                sorted(set(columns) - set(request.columns)),
            )
        until = body.valid_until or request.valid_until
        if until > request.valid_until or until < date.today():
            raise invalid("INVALID_DATE", "批准的截止日期须在今天与申请的截止日期之间", until.isoformat())
        entry = await entries.get(session, request.entry_id)
        _check_columns(columns, await shareable(session, entry), {c["name"] for c in entry.columns})
        request.columns, request.valid_until = columns, until
        grant = _grant(request, user.username)
        session.add(grant)
    request.status = APPROVED if body.approve else REFUSED
    request.decided_by, request.decided_at, request.reason = user.username, utcnow(), body.reason
    await session.flush()
    return request, grant


async def list_requests(
    session: AsyncSession, status: str | None, page: PageParams, requested_by: str | None = None
):
    query = sa.select(AccessRequest).order_by(AccessRequest.id.desc())
    if requested_by:
        query = query.where(AccessRequest.requested_by == requested_by)
    if status:
        query = query.where(AccessRequest.status == status)
    return await paginate(session, query, page)


async def grant_of_request(session: AsyncSession, request_id: int) -> int | None:
    return await session.scalar(sa.select(Grant.id).where(Grant.request_id == request_id))


async def list_grants(session: AsyncSession, department: str | None, page: PageParams):
    query = sa.select(Grant).order_by(Grant.id.desc())
    if department:
        query = query.where(Grant.department == department)
    return await paginate(session, query, page)


async def get_grant(session: AsyncSession, grant_id: int, *, lock: bool = False) -> Grant:
    query = sa.select(Grant).where(Grant.id == grant_id)
    grant = await session.scalar(query.with_for_update() if lock else query)
    if grant is None:
        raise not_found("授权")
    return grant


async def revoke(session: AsyncSession, grant_id: int) -> Grant:
    grant = await get_grant(session, grant_id, lock=True)
    if grant.revoked_at is not None:
        raise conflict("ALREADY_REVOKED", "该授权已撤销")
    grant.revoked_at = utcnow()
    return grant


async def grant_rows(session: AsyncSession, grant_id: int, user: Principal, page: PageParams) -> dict:
    """One page of the granted dataset's current rows: granted columns that may leave, masked."""
    grant = await get_grant(session, grant_id)
    request = await get_request(session, grant.request_id)
    if request.requested_by != user.username:
        raise not_found("授权")
    if grant.revoked_at is not None or grant.valid_until < date.today():
        raise ApiError(403, "GRANT_INACTIVE", "授权已撤销或已过期")
    entry = await entries.get(session, grant.entry_id)
    share = export.ShareGrant(
        grant.id,
        grant.department,
        entry.key,
        entry.location,
        entry.openness,
        list(grant.columns),
        list(entry.columns),
    )
    if entry.openness == CLOSED:
        raise ApiError(403, "RESOURCE_CLOSED", f"{entry.title} 已调整为不予开放")
    closed = await _closed_items(session)
    table: pa.Table = await run_in_threadpool(
        lambda: export.shape(export.dataset_rows(entry.location, None, share.columns), share, closed)
    )
    allowed = policy.shared_columns(entry.columns, entry.openness, closed)
    rows = table.slice(page.offset, page.size).to_pylist()
    return {
        "grant_id": grant.id,
        "dataset": entry.key,
        "columns": table.column_names,
        "masked": [c for c in table.column_names if allowed[c]["rule"] == policy.MASK],
        "total": table.num_rows,
        "page": page.page,
        "size": page.size,
        "rows": rows,
    }
