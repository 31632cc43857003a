"""终端接口（设备签名调用）的远程管理部分：开机自检上报、日志上传（seed 2.2）。"""

from __future__ import annotations

from fastapi import APIRouter, status

from services.base.db import SessionDep
from services.base.errors import ErrorBody
from services.terminals import clock, device_logs, selfchecks
from services.terminals.device_auth import CurrentDevice
from services.terminals.report_schemas import Accepted, LogBatchIn, SelfCheckIn

router = APIRouter(
    prefix="/api/v1/device",
    tags=["终端接口"],
    responses={
        401: {"model": ErrorBody, "description": "缺少签名、签名无效、时间戳过期或设备未登记"},
        403: {"model": ErrorBody, "description": "设备已停用"},
        409: {"model": ErrorBody, "description": "随机数重复（重放）"},
        422: {
            "model": ErrorBody,
            "description": "内容校验失败（未知部件、时间不合理、超过 500 行等），不写入任何数据",
        },
    },
)


@router.post(
    "/selfchecks", summary="上报开机自检", status_code=status.HTTP_201_CREATED, response_model=Accepted
)
async def upload_selfcheck(body: SelfCheckIn, device: CurrentDevice, session: SessionDep) -> Accepted:
    """设备每次开机后上报一次自检：每个部件的结果（正常 / 异常，色带与打印纸附余量百分比）。

    部件代码：card_reader 读卡器、id_reader 身份证阅读器、camera 摄像头、ribbon 色带、
    receipt_printer 凭条打印机、paper 打印纸、network 网络、card_printer 制卡模块、
    touch_screen 触摸屏、pin_pad 密码键盘、storage 存储。任一部件异常（或余量低于下限）则自检结果为“未通过”。
    """
    check = await selfchecks.record(session, device.device_id, body, clock.now())
    await session.commit()
    return Accepted(device_id=device.device_id, accepted=len(body.items), id=check.id)


@router.post("/logs", summary="上传设备日志", status_code=status.HTTP_201_CREATED, response_model=Accepted)
async def upload_logs(body: LogBatchIn, device: CurrentDevice, session: SessionDep) -> Accepted:
    """一次最多 500 行；每行含时间（带时区，90 天内）、级别（DEBUG/INFO/WARN/ERROR/FATAL）
    与内容（≤ 2000 字）。整批校验通过才写入。"""
    accepted = await device_logs.record(session, device.device_id, body, clock.now())
    await session.commit()
    return Accepted(device_id=device.device_id, accepted=accepted)
