"""批量登记批次的查询（限定在上传人所属区域范围内）。"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import not_found
from services.base.pagination import PageParams, paginate
from services.base.security import Scope
from services.terminals.imports import FAILED
from services.terminals.models import ImportBatch, ImportRow
from services.terminals.schemas import ImportResult

PREFIX = "/api/v1/admin/device-imports"


async def get_batch(session: AsyncSession, scope: Scope, batch_id: uuid.UUID) -> ImportBatch:
    query = sa.select(ImportBatch).where(ImportBatch.id == batch_id, scope.where(ImportBatch.region_code))
    batch = await session.scalar(query)
    if batch is None:
        raise not_found("批次")
    return batch


async def list_batches(session: AsyncSession, scope: Scope, params: PageParams):
    query = sa.select(ImportBatch).where(scope.where(ImportBatch.region_code))
    return await paginate(session, query.order_by(ImportBatch.created_at.desc()), params)


def _failed_rows(batch: ImportBatch, *columns) -> sa.Select:
    where = (ImportRow.batch_id == batch.id, ImportRow.outcome == FAILED)
    return sa.select(*columns).where(*where).order_by(ImportRow.row_no)


async def failed_cells(session: AsyncSession, batch: ImportBatch) -> list[tuple[str | None, str]]:
    """(raw cells as JSON, reason) of each failed row, in sheet order."""
    return list((await session.execute(_failed_rows(batch, ImportRow.cells, ImportRow.reason))).tuples())


async def result(session: AsyncSession, batch: ImportBatch, *, with_failures: bool = True) -> ImportResult:
    failures = []
    if with_failures and batch.failed:
        rows = await session.execute(
            _failed_rows(batch, ImportRow.row_no, ImportRow.device_id, ImportRow.reason)
        )
        failures = [{"row": r.row_no, "device_id": r.device_id, "reason": r.reason} for r in rows]
    return ImportResult(
        batch_id=batch.id,
        file_name=batch.file_name,
        status=batch.status,
        total=batch.total,
        succeeded=batch.created + batch.unchanged,
        created=batch.created,
        unchanged=batch.unchanged,
        failed=batch.failed,
        failures=failures,
        uploaded_by=batch.uploaded_by,
        created_at=batch.created_at,
        failures_url=f"{PREFIX}/{batch.id}/failures" if batch.failed else None,
    )
