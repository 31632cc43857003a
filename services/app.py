"""乐山市居民服务一卡通平台 API：`create_app()` 组装各子系统的路由、错误处理与中间件。

Served by `ykt api serve` (uvicorn, uvloop + httptools, several workers). Staff call
`/api/v1/admin/...` with a session token; kiosks call `/api/v1/device/...` with HMAC-SM3
signatures. CORS is deliberately not enabled: the H5 pages are served from the same origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from services import housekeeping
from services.access_log.middleware import AccessLogMiddleware
from services.access_log.writer import WRITER as access_log_writer
from services.admin.router import router as auth_router
from services.admin.users_router import router as users_router
from services.audit.router import router as audit_router
from services.base import audit_queue, handlers, session_cache
from services.base.admission import Admission
from services.base.health import router as health_router
from services.base.middleware import BodyLimit, RequestContext
from services.capabilities import sweeper as capability_sweeper
from services.capabilities.keys_router import router as capability_keys_router
from services.capabilities.partners import router as partners_router
from services.capabilities.router import router as capabilities_router
from services.cards import retry_loop
from services.cards.batch_router import router as card_batches_router
from services.cards.device_router import router as card_device_router
from services.cards.instant_router import router as card_instant_router
from services.cards.records_router import router as card_records_router
from services.cards.stats_router import router as stats_router
from services.cards.stock_router import router as blank_cards_router
from services.cards.writeback_router import router as writebacks_router
from services.catalog.access_router import router as catalog_access_router
from services.catalog.page import router as catalog_page_router
from services.catalog.page_requests import router as catalog_requests_page_router
from services.catalog.router import router as catalog_router
from services.channels import follow as channel_follow
from services.channels import outbox as channel_outbox
from services.channels.demo import router as channel_demo_router
from services.channels.h5 import router as channel_h5_router
from services.channels.prefill import router as channel_prefill_router
from services.channels.router import public as channels_router
from services.channels.router import staff as channel_staff_router
from services.channels.uploads_router import router as channel_uploads_router
from services.knowledge.router import router as knowledge_router
from services.precision.router import router as precision_router
from services.terminals.alarms_router import router as alarms_router
from services.terminals.device_monitoring_router import router as device_monitoring_router
from services.terminals.device_router import HeartbeatIn
from services.terminals.device_router import router as device_router
from services.terminals.imports_router import router as imports_router
from services.terminals.monitoring_router import router as monitoring_router
from services.terminals.router import router as devices_router
from services.terminals.work_orders_router import router as work_orders_router
from services.trajectories.router import router as trajectories_router
from yikatong.settings import get_settings

DESCRIPTION = """
乐山市居民服务一卡通平台的服务接口。

- **工作人员接口** `/api/v1/admin/...`：先 `POST /api/v1/admin/auth/challenge` 取挑战码，再以
  口令 + USB Key（SM2）签名登录，得到会话令牌（`Authorization: Bearer …`）。每个接口都检查角色权限，
  查询只返回本人所属区域及下级区域的数据；对设备、卡、个人数据的操作全部写入防篡改的审计日志。
- **终端接口** `/api/v1/device/...`：设备以登记时签发的密钥对每个请求做 HMAC-SM3 签名。
- 错误统一为 `{code, message, detail}`：`code` 供程序判断，`message` 为中文说明。
"""
TAGS = [
    {"name": "运行状态", "description": "存活与就绪探针"},
    {"name": "登录与会话", "description": "双因素登录（口令 + SM2 数字证书签名）、退出、修改口令"},
    {"name": "工作人员账号", "description": "账号、角色与权限（安全管理员）"},
    {"name": "审计日志", "description": "查阅与校验审计链（审计管理员）"},
    {"name": "设备管理", "description": "自助终端登记、编辑、查询、停用、导出"},
    {"name": "设备批量登记", "description": "Excel 模板、批量登记、失败行下载与重新上传"},
    {"name": "远程管理与监控", "description": "自检记录、设备日志、运行情况、在线状态与状态变化历史"},
    {"name": "告警与工单", "description": "告警确认与清除，故障派单、维修记录、关闭工单"},
    {"name": "预制卡管理", "description": "设备预制卡数量、已使用、未使用，添加预制卡与添加详情"},
    {"name": "成品卡管理", "description": "设备上传的成品卡及领取状态（待领 / 领卡成功 / 领卡失败）"},
    {"name": "发卡记录", "description": "领卡、补卡、换卡记录查询"},
    {"name": "制卡批次", "description": "从省卡管系统获取的制卡数据（按批次）"},
    {"name": "数据回盘", "description": "回盘记录、自动重试、失败列表与手工回盘"},
    {"name": "业务统计", "description": "设备、网点、发卡、补卡、换卡、预制卡、废卡统计"},
    {"name": "数据资源目录", "description": "检索、维护敏感与开放级别、变更历史、血缘、同步"},
    {"name": "数据资源申请与授权", "description": "部门申请、审批、授权（列与期限）、按授权实时查询"},
    {"name": "终端接口", "description": "设备以 HMAC-SM3 签名调用的接口"},
    {"name": "知识管理", "description": "人社智能知识库条目的查询、新增、修改、停用"},
    {"name": "合作系统", "description": "调用平台能力的外部系统：登记、停用、签名密钥"},
    {"name": "平台能力", "description": "合作系统签名调用：身份证识别、照片检查、人证比对、智能问答"},
    {"name": "渠道与线上业务", "description": "渠道登记、居民实名会话、线上办理、受理与审核"},
    {"name": "密钥服务", "description": "SM4 数据密钥（主密钥包装）、SM2 密钥对、签名与验签"},
    {"name": "用卡轨迹", "description": "按人查询用卡轨迹时间线（脱敏、按区域、按时间分页）"},
    {"name": "精准服务", "description": "持卡人状态关系网、服务策略的运行与成效"},
]
# Matched in this order, so the routes called all day come first: probes, then the kiosks' signed
# calls and the residents' progress polls (each included router costs a match attempt per request).
ROUTERS = (
    health_router,
    device_router,
    device_monitoring_router,
    card_device_router,
    card_instant_router,
    channels_router,
    channel_uploads_router,
    channel_prefill_router,
    auth_router,
    users_router,
    audit_router,
    devices_router,
    imports_router,
    monitoring_router,
    alarms_router,
    work_orders_router,
    blank_cards_router,
    card_records_router,
    card_batches_router,
    writebacks_router,
    stats_router,
    catalog_router,
    catalog_access_router,
    catalog_page_router,
    catalog_requests_page_router,
    knowledge_router,
    partners_router,
    capabilities_router,
    capability_keys_router,
    channel_staff_router,
    channel_h5_router,
    channel_demo_router,
    trajectories_router,
    precision_router,
)


GC_THRESHOLD = (10_000, 10, 10)  # a young collection per 10k allocations, not 700 (a request makes thousands)


def _settle_heap() -> None:
    """Move what start-up loaded (modules, routes, models, schemas: ~250k objects, never garbage)
    into the collector's permanent generation. A full collection over them took ~200 ms, a pause
    every request in flight would wait out; after `gc.freeze()` a collection sees only what
    requests made."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    loops = (
        housekeeping.run_forever,
        retry_loop.run_forever,
        capability_sweeper.run_forever,
        channel_outbox.run_forever,
        channel_follow.run_forever,
        audit_queue.run_forever,
        session_cache.run_forever,
    )
    tasks = [asyncio.create_task(loop()) for loop in loops]
    _settle_heap()
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await access_log_writer.close()  # the requests' access log rows still waiting


def _bench_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/_bench", include_in_schema=False)

    @router.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok", "service": "ykt"}

    return router


def _document_raw_bodies(app: FastAPI, *models: type[BaseModel]) -> None:
    """Put the schemas of bodies that routes parse themselves (`openapi_extra` refers to them by
    name; the heartbeat validates its raw bytes in one pass) into the OpenAPI components."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schemas = generate().setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def create_app() -> FastAPI:
    settings = get_settings()
    logging.getLogger("services").setLevel(logging.INFO)
    app = FastAPI(
        title="乐山市居民服务一卡通平台 API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    handlers.install(app)
    for router in ROUTERS:
        app.include_router(router)
    _document_raw_bodies(app, HeartbeatIn)
    if settings.profile != "prod":
        app.include_router(_bench_router())
    app.add_middleware(Admission)  # innermost: bounds the requests each worker runs at once
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes + 64 * 1024)
    app.add_middleware(RequestContext)
    app.add_middleware(AccessLogMiddleware)  # outermost: times the whole request
    return app
