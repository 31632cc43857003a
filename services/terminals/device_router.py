"""终端接口（设备签名调用）：`/api/v1/device/...`。本期提供心跳；自检、日志、卡务随后加入。"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from services.base.db import SessionDep, utcnow
from services.base.errors import ErrorBody
from services.terminals.device_auth import CurrentDevice
from services.terminals.signing import __doc__ as SIGNING_DOC

router = APIRouter(
    prefix="/api/v1/device",
    tags=["终端接口"],
    responses={
        401: {"model": ErrorBody, "description": "缺少签名、签名无效、时间戳过期或设备未登记"},
        403: {"model": ErrorBody, "description": "设备已停用"},
        409: {"model": ErrorBody, "description": "随机数重复（重放）"},
    },
)
HEARTBEAT_EVERY_S = 60


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    software_version: str | None = Field(None, max_length=32, description="终端软件版本")


class HeartbeatOut(BaseModel):
    device_id: str
    server_time: datetime = Field(description="服务器时间（用于校准设备时钟）")
    next_heartbeat_s: int = Field(description="建议的下次心跳间隔（秒）")


@router.post("/heartbeat", summary="设备心跳", response_model=HeartbeatOut, description=SIGNING_DOC)
async def heartbeat(
    device: CurrentDevice, request: Request, session: SessionDep, body: HeartbeatIn | None = None
) -> HeartbeatOut:
    now = utcnow()
    device.last_seen_at, device.last_ip = now, request.client.host if request.client else None
    await session.commit()
    return HeartbeatOut(device_id=device.device_id, server_time=now, next_heartbeat_s=HEARTBEAT_EVERY_S)
