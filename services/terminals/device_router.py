"""终端接口（设备签名调用）`/api/v1/device/...`：心跳（含部件状态）。自检、日志另有路由模块。"""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.base.db import driver_autocommit, sessionmaker
from services.base.errors import ErrorBody
from services.terminals import clock, status
from services.terminals.components import Components
from services.terminals.device_auth import SignedDevice
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
CLOCK_SKEW = timedelta(minutes=5)  # a live heartbeat's device time may differ this much from ours


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    software_version: str | None = Field(None, max_length=32, description="终端软件版本")
    device_time: datetime | None = Field(
        None, description="设备时钟（带时区，可省略）；与服务器时间相差超过 5 分钟则拒绝，请先校准时钟"
    )
    components: Components | None = Field(
        None, description="七个受监控部件的状态；全部正常则运行情况为“正常”，否则为“异常”（省略则不变）"
    )

    @field_validator("device_time")
    @classmethod
    def _live(cls, value: datetime | None) -> datetime | None:
        """A live heartbeat happens now: its device time must agree with ours within the skew."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("设备时间须带时区，如 2026-11-28T08:00:00+08:00")
        if abs(value - clock.now()) > CLOCK_SKEW:
            raise ValueError("设备时间与服务器时间相差超过 5 分钟，请按 server_time 校准设备时钟")
        return value


class HeartbeatOut(BaseModel):
    device_id: str
    server_time: datetime = Field(description="服务器时间（用于校准设备时钟）")
    next_heartbeat_s: int = Field(description="建议的下次心跳间隔（秒）")
    running_state: str | None = Field(None, description="本次上报部件状态得出的运行情况（正常 / 异常）")
    faults: list[str] = Field(default_factory=list, description="异常部件代码")


def _report_in(raw: bytes) -> HeartbeatIn | None:
    """The body, parsed and validated in one pass (pydantic-core reads the JSON itself); an empty
    body is a bare heartbeat. Errors answer exactly as FastAPI's own body validation would."""
    if not raw.strip():
        return None
    try:
        return HeartbeatIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


@router.post(
    "/heartbeat",
    summary="设备心跳",
    response_model=HeartbeatOut,
    description=SIGNING_DOC,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HeartbeatIn"}}},
        }
    },
)
async def heartbeat(call: SignedDevice, request: Request) -> Response:
    """The usual heartbeat (nothing changed since the last one) is one autocommitted statement that
    claims the nonce and moves `last_heartbeat_at`; a session is opened only for a change."""
    body = _report_in(call.body)
    now, ip = clock.now(), request.client.host if request.client else None
    report = status.report_of(body.components if body else None, body.software_version if body else None)
    if body and body.device_time:
        report["device_time"] = body.device_time
    device_id = call.device.device_id
    params = status.quiet_signed_heartbeat_params(
        device_id, call.nonce, call.expires, call.device.updated_at, now, ip, report
    )
    async with driver_autocommit() as conn:
        claimed, quiet = await (await conn.execute(status.QUIET_SIGNED_HEARTBEAT, params)).fetchone()
    if not quiet:  # a change (or a stale cached device): the full path, one transaction
        async with sessionmaker()() as session:
            if not claimed:
                await call.verify(session, request)
            await status.record_heartbeat(session, device_id, now, ip, report)
            await session.commit()
    answer = {
        "device_id": device_id,
        "server_time": now,
        "next_heartbeat_s": HEARTBEAT_EVERY_S,
        "running_state": report.get("running_state"),
        "faults": report.get("faults", []),
    }
    return Response(orjson.dumps(answer), media_type="application/json")
