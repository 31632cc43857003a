"""终端接口（卡务）：`/api/v1/device/...`，设备以 HMAC-SM3 签名调用（见 `terminals.signing`）。

| method | path | body (`device_schemas`) | answer |
|---|---|---|---|
| GET | `/blank-cards` | — | the device's balance |
| POST | `/blank-cards/usage` | `BlankCardUse` | balance; 409 `STOCK_INSUFFICIENT` |
| POST | `/finished-cards` | `FinishedCardUpload` | per-card outcome |
| POST | `/finished-cards/{card_no}/pickup` | `PickupIn` | the card's state |
| POST | `/issuances` | `IssuanceIn` | the record and the balance; 409 `STOCK_INSUFFICIENT` |
| POST | `/writebacks` | `WritebackIn` | the write-back record's state |
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from services.base.db import SessionDep
from services.cards import finished, issuance, stock, writeback
from services.cards.device_schemas import BlankCardUse, FinishedCardUpload, IssuanceIn, PickupIn, WritebackIn
from services.cards.schemas import BalanceOut
from services.terminals.device_auth import CurrentDevice
from services.terminals.device_router import router as _base

router = APIRouter(prefix="/api/v1/device", tags=["终端接口"], responses=_base.responses)
CardNo = Annotated[str, Path(pattern=r"^[A-Z][0-9A-Z]\d{7}$", description="社会保障卡卡号")]


def _balance(b: stock.Balance) -> BalanceOut:
    fields = ("device_id", "added_total", "used_total", "remaining", "duplicate")
    return BalanceOut(**{name: getattr(b, name) for name in fields})


@router.get("/blank-cards", summary="查询本机预制卡余量", response_model=BalanceOut)
async def my_balance(device: CurrentDevice, session: SessionDep) -> BalanceOut:
    return _balance(await stock.balance(session, device.device_id))


@router.post(
    "/blank-cards/usage",
    summary="上报预制卡使用（制卡 / 废卡）",
    response_model=BalanceOut,
    responses={409: {"description": "预制卡余量不足，未写入"}},
)
async def use_blank_cards(body: BlankCardUse, device: CurrentDevice, session: SessionDep) -> BalanceOut:
    """已使用 + n，未使用 − n；余量不足时拒绝且不写入。同一事件编号重发不重复扣减。"""
    result = await stock.use(session, device, body.model_dump())
    await session.commit()
    return _balance(result)


class CardOutcome(BaseModel):
    card_no: str
    outcome: str = Field(description="新增 / 未变更 / 转入 / 拒绝")
    reason: str | None


class UploadResult(BaseModel):
    received: int
    results: list[CardOutcome]


@router.post("/finished-cards", summary="上传成品卡信息", response_model=UploadResult)
async def upload_finished(
    body: FinishedCardUpload, device: CurrentDevice, session: SessionDep
) -> UploadResult:
    """设备放入成品卡后自动读取并上传；新卡为“待领”。"""
    results = await finished.upload(session, device, body)
    await session.commit()
    return UploadResult(received=len(results), results=[CardOutcome(**r) for r in results])


class PickupResult(BaseModel):
    card_no: str
    state: str
    picked_up_at: str | None = Field(description="出库时间")
    duplicate: bool


@router.post("/finished-cards/{card_no}/pickup", summary="上报领卡结果", response_model=PickupResult)
async def pickup(card_no: CardNo, body: PickupIn, device: CurrentDevice, session: SessionDep) -> PickupResult:
    """本人领取或代领（代领人证件号码、姓名、电话必填）；领卡成功生成一条“领卡”发卡记录。"""
    card, duplicate = await finished.pickup(session, device, card_no, body)
    await session.commit()
    out = card.picked_up_at.isoformat() if card.picked_up_at else None
    return PickupResult(card_no=card.card_no, state=card.state, picked_up_at=out, duplicate=duplicate)


class IssuanceResult(BaseModel):
    issuance_id: int
    issue_type: str
    card_no: str
    balance: BalanceOut


@router.post(
    "/issuances",
    summary="上报补卡 / 换卡",
    response_model=IssuanceResult,
    responses={409: {"description": "预制卡余量不足，未写入"}},
)
async def issue(body: IssuanceIn, device: CurrentDevice, session: SessionDep) -> IssuanceResult:
    """即时制卡：记录发卡并扣减一张预制卡（同一事务）。"""
    record, balance = await issuance.record(session, device, body)
    await session.commit()
    return IssuanceResult(
        issuance_id=record.id, issue_type=record.issue_type, card_no=record.card_no, balance=_balance(balance)
    )


@router.post("/writebacks", summary="上报回盘结果", response_model=writeback.ReportResult)
async def report_writeback(
    body: WritebackIn, device: CurrentDevice, session: SessionDep
) -> writeback.ReportResult:
    """设备自动回盘的结果；失败的记录由平台自动重试（退避，最多若干次），之后进入失败列表。"""
    result = await writeback.report(session, device, body)
    await session.commit()
    return result
