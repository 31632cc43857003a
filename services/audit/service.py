"""Reading the audit chain back: verification (async for the API, sync for `ykt audit verify`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.audit_chain import FIELDS, Report, Verifier
from services.base.models import AuditEntry, AuditHead

_COLUMNS = [getattr(AuditEntry, name) for name in (*FIELDS, "prev_hash", "hash")]
_ROWS = sa.select(*_COLUMNS).order_by(AuditEntry.seq)
_HEAD = sa.select(AuditHead.seq, AuditHead.hash, AuditHead.mac).where(AuditHead.id == 1)


async def verify_async(session: AsyncSession) -> Report:
    """Stream the whole log through the verifier (one REPEATABLE READ snapshot)."""
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    verifier = Verifier()
    head = (await session.execute(_HEAD)).mappings().first()
    result = await session.stream(_ROWS.execution_options(yield_per=5000))
    async for row in result.mappings():
        verifier.feed(dict(row))
    return verifier.finish(dict(head) if head else None)


def verify_sync(connection: sa.Connection) -> Report:
    verifier = Verifier()
    head = connection.execute(_HEAD).mappings().first()
    for row in connection.execution_options(yield_per=5000).execute(_ROWS).mappings():
        verifier.feed(dict(row))
    return verifier.finish(dict(head) if head else None)


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "rows": report.rows,
        "issues": [{"seq": i.seq, "kind": i.kind, "message": i.message} for i in report.issues],
    }
