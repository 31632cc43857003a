"""终端接口：自助机即时申领 / 即时补换卡 `POST /api/v1/device/instant-issuances`（HMAC-SM3 签名）。

| answer | when |
|---|---|
| 201 | approved, card taken from the device's stock, issuance recorded, write-back tried |
| 200 `duplicate: true` | the same `event_id` again: the first record, nothing counted twice |
| 409 `STOCK_INSUFFICIENT`, `ALREADY_HAS_CARD`, `NOT_ELIGIBLE`, `DEVICE_DISABLED`, … | nothing written |
| 422 `FACE_MISMATCH`, `NO_FACE`, `MULTIPLE_FACES`, `ID_EXPIRED`, `NAME_MISMATCH`, … | nothing written |
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from services.base.db import SessionDep
from services.cards import instant
from services.cards.device_router import _balance
from services.cards.instant_schemas import InstantIn, InstantOut, WritebackState
from services.cards.models import Writeback
from services.terminals.device_auth import CurrentDevice
from services.terminals.device_router import router as _base

router = APIRouter(prefix="/api/v1/device", tags=["终端接口"], responses=_base.responses)


@router.post(
    "/instant-issuances",
    summary="即时申领 / 即时补换卡",
    response_model=InstantOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "不符合条件或预制卡不足，未写入"}, 422: {"description": "人证不符等"}},
)
async def instant_issue(body: InstantIn, device: CurrentDevice, session: SessionDep):
    """读证、人证比对、省卡管资格检查、自动审核、用本机预制卡制卡并激活、发卡记录、回盘。"""
    row, balance, approval = await instant.issue(session, device, body)
    await session.commit()
    if approval is None:  # a resent event
        record = await session.scalar(sa.select(Writeback).where(Writeback.card_no == row.card_no))
        state = None
        if record is not None:
            state = WritebackState(writeback_id=record.id, state=record.state, attempts=record.attempts)
        out = _out(row, balance, None, state, duplicate=True)
        return JSONResponse(jsonable_encoder(out), status_code=200)
    reported = await instant.write_back(session, device, body)
    await session.commit()
    state = WritebackState(
        writeback_id=reported.writeback_id, state=reported.state, attempts=reported.attempts
    )
    return _out(row, balance, approval, state)


def _out(row, balance, approval, state, duplicate: bool = False) -> InstantOut:
    return InstantOut(
        issuance_id=row.id,
        issue_type=row.issue_type,
        card_no=row.card_no,
        old_card_no=row.old_card_no,
        holder_masked=row.holder_id_masked,
        approval=approval,
        activated_at=row.issued_at,
        balance=_balance(balance),
        writeback=state,
        duplicate=duplicate,
    )
