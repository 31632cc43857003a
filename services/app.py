"""乐山市居民服务一卡通平台 API：`create_app()` 组装各子系统的路由、错误处理与中间件。

Served by `ykt api serve` (uvicorn, uvloop + httptools, several workers). Staff call
`/api/v1/admin/...` with a session token; kiosks call `/api/v1/device/...` with HMAC-SM3
signatures. CORS is deliberately not enabled: the H5 pages are served from the same origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI

from services import housekeeping
from services.admin.router import router as auth_router
from services.admin.users_router import router as users_router
from services.audit.router import router as audit_router
from services.base import handlers
from services.base.health import router as health_router
from services.base.middleware import BodyLimit, RequestContext
from services.terminals.device_router import router as device_router
from services.terminals.imports_router import router as imports_router
from services.terminals.router import router as devices_router
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
    {"name": "终端接口", "description": "设备以 HMAC-SM3 签名调用的接口"},
]
ROUTERS = (
    health_router,
    auth_router,
    users_router,
    audit_router,
    devices_router,
    imports_router,
    device_router,
)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    task = asyncio.create_task(housekeeping.run_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _bench_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/_bench", include_in_schema=False)

    @router.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok", "service": "ykt"}

    return router


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
    if settings.profile != "prod":
        app.include_router(_bench_router())
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes + 64 * 1024)
    app.add_middleware(RequestContext)
    return app
