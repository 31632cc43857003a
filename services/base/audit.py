"""审计日志的写入：每个工作人员对设备、卡、个人数据的操作（谁、何时、做什么、对象、结果、IP）。

A route declares its action through `permit(...)` (which stores an `AuditIntent` on the request);
the service appends the success row in the same transaction as the change (`Audit.ok`), so no
change commits without its audit row. Refusals and errors are appended by the error handlers in a
transaction of their own (`record_failure`). Appends serialise on the chain head's row lock.
A read (GET) changes nothing, so its success row goes to the worker's queue and is chained in
batches (`audit_queue`) instead of taking the head lock on every request.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import audit_queue, db
from services.base.audit_chain import GENESIS, head_mac, row_hash
from services.base.models import AuditEntry, AuditHead

OK, FAILED = "成功", "失败"
_READS = ("GET", "HEAD")
log = logging.getLogger(__name__)


@dataclass
class AuditIntent:
    """What the current request does, declared before the work starts."""

    action: str
    object_type: str | None = None
    object_id: str | None = None
    done: bool = False


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def entry(actor: str, action: str, result: str, **fields: Any) -> dict[str, Any]:
    """One audit row (without seq and hashes); `detail` may be a dict (stored as JSON text)."""
    detail = fields.pop("detail", None)
    if detail is not None and not isinstance(detail, str):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    reason = fields.pop("reason", None)
    return {
        "at": db.utcnow(),
        "actor": actor[:64],
        "action": action,
        "result": result,
        "reason": reason[:200] if reason else None,
        "detail": detail,
        **fields,
    }


_COLUMNS = [c.name for c in AuditEntry.__table__.columns]
_MOVE_HEAD = "update audit_head set seq = :head_seq, hash = :head_hash, mac = :head_mac where id = 1"
_INSERT_ONE = f"insert into audit_log ({', '.join(_COLUMNS)}) values ({', '.join(':' + c for c in _COLUMNS)})"
_APPEND_ONE = text(f"with added as ({_INSERT_ONE} returning seq) {_MOVE_HEAD}")


async def _locked_head(session: AsyncSession) -> tuple[int, str]:
    """The chain head (row-locked until commit) and the next free seq, in one round trip."""
    top = select(func.max(AuditEntry.seq)).scalar_subquery()
    query = select(AuditHead.seq, AuditHead.hash, top).where(AuditHead.id == 1).with_for_update(of=AuditHead)
    row = (await session.execute(query)).first()
    if row is None:  # first entry ever: create the head, then lock it
        first = pg_insert(AuditHead).values(id=1, seq=0, hash=GENESIS, mac=head_mac(0, GENESIS))
        await session.execute(first.on_conflict_do_nothing())
        row = (await session.execute(query)).first()
    head_seq, head_hash, highest = row
    return max(head_seq, highest or 0), head_hash


async def append(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Chain `entries` onto the log inside the caller's transaction (the caller commits).

    Links to the head (the last row this system wrote) and numbers after any row someone slipped
    in behind its back, so a forged row can neither block auditing nor hide (verify reports it).
    A single row and the new head are written by one statement.
    """
    seq, prev = await _locked_head(session)
    rows = []
    for item in entries:
        seq += 1
        row = {name: item.get(name) for name in _COLUMNS} | {"seq": seq, "prev_hash": prev}
        row["hash"] = prev = row_hash(prev, row)
        rows.append(row)
    head = {"head_seq": seq, "head_hash": prev, "head_mac": head_mac(seq, prev)}
    if len(rows) == 1:  # the usual case: one prepared statement, one round trip
        await session.execute(_APPEND_ONE, rows[0] | head)
        return
    await session.execute(insert(AuditEntry), rows)
    await session.execute(text(_MOVE_HEAD), head)


def _request_entry(request: Request, intent: AuditIntent, result: str, **fields: Any) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    return entry(
        user.username if user else "-",
        intent.action,
        result,
        actor_role=user.role if user else None,
        actor_region=user.region_code if user else None,
        object_type=intent.object_type,
        object_id=fields.pop("object_id", None) or intent.object_id,
        client_ip=client_ip(request),
        request_id=request_id(request),
        **fields,
    )


class Audit:
    """本请求的审计记录器（作为依赖注入）：`await audit.ok(session, ...)` 在提交前调用。"""

    def __init__(self, request: Request) -> None:
        self.request = request

    @property
    def intent(self) -> AuditIntent:
        intent = getattr(self.request.state, "audit", None)
        if intent is None:
            raise RuntimeError("route has no audit intent: declare it with permit(...)")
        return intent

    async def ok(self, session: AsyncSession, *, object_id: str | None = None, detail: Any = None) -> None:
        intent = self.intent
        await append(session, [_request_entry(self.request, intent, OK, object_id=object_id, detail=detail)])
        intent.done = True

    async def commit(
        self, session: AsyncSession, *, object_id: str | None = None, detail: Any = None
    ) -> None:
        """`ok` then commit: the change and its audit row land together. A read's row is queued
        for the worker's next batch instead (when the worker has a flusher)."""
        if not (self.request.method in _READS and self._queued(object_id, detail)):
            await self.ok(session, object_id=object_id, detail=detail)
        await session.commit()

    async def read(self, *, object_id: str | None = None, detail: Any = None) -> None:
        """A read's success row, for a route that holds no session: queued for the worker's next
        batch, or (no flusher) appended in a transaction of its own."""
        if not self._queued(object_id, detail):
            async with db.sessionmaker()() as session:
                await self.commit(session, object_id=object_id, detail=detail)

    def _queued(self, object_id: str | None, detail: Any) -> bool:
        """Queue the success row for the worker's flusher; False when the worker has none."""
        if not audit_queue.running():
            return False
        intent = self.intent
        audit_queue.enqueue(_request_entry(self.request, intent, OK, object_id=object_id, detail=detail))
        intent.done = True
        return True


async def _audit(request: Request) -> Audit:  # not `Depends(Audit)`: a class is called in a thread
    return Audit(request)


async def record_failure_deferred(request: Request, reason: str) -> None:
    """Like `record_failure`, but when the worker has a flusher the row is queued instead of
    written now: for refusals caused by the database being busy, where an inline write would wait
    for the very connection that was not to be had."""
    intent: AuditIntent | None = getattr(request.state, "audit", None)
    if intent is None or intent.done:
        return
    if not audit_queue.running():
        await record_failure(request, reason)
        return
    intent.done = True
    audit_queue.enqueue(_request_entry(request, intent, FAILED, reason=reason))


async def record_failure(request: Request, reason: str) -> None:
    """Append a 失败 row for a declared action that was refused or failed (own transaction)."""
    intent: AuditIntent | None = getattr(request.state, "audit", None)
    if intent is None or intent.done:
        return
    intent.done = True
    try:
        async with db.sessionmaker()() as session:
            await append(session, [_request_entry(request, intent, FAILED, reason=reason)])
            await session.commit()
    except Exception:  # the refusal stands; the missing row is logged loudly
        log.exception("审计日志写入失败 / could not append the audit row for %s", intent.action)


AuditDep = Annotated[Audit, Depends(_audit)]
