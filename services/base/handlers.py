"""Exception handlers: every error leaves as `{code, message, detail}`; refused audited actions
get their 失败 row here."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.base.audit import record_failure, record_failure_deferred, request_id
from services.base.errors import HTTP_CODES, ApiError
from services.base.validation import field_errors

log = logging.getLogger("services")
RETRY_AFTER_S = 1


def _json(status: int, code: str, message: str, detail=None, headers=None) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "detail": detail}, status_code=status, headers=headers
    )


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    await record_failure(request, f"{exc.code} {exc.message}")
    return _json(exc.status, exc.code, exc.message, exc.detail)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    detail = field_errors(exc.errors())
    await record_failure(request, "VALIDATION_ERROR 请求参数校验失败")
    return _json(422, "VALIDATION_ERROR", "请求参数校验失败", detail)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, message = HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", "请求无法处理"))
    await record_failure(request, f"{code} {message}")
    return _json(exc.status_code, code, message, None, getattr(exc, "headers", None))


async def _pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
    """No database connection came free in time: the worker is saturated. 503 with Retry-After and
    one log line (a traceback per request would cost the saturated worker more CPU)."""
    log.warning(
        "数据库连接池已满，请求 %s %s 返回 503 / pool exhausted: %s", request.method, request.url.path, exc
    )
    await record_failure_deferred(request, "SERVICE_BUSY 服务繁忙")
    detail = {"retry_after_s": RETRY_AFTER_S}
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    return _json(503, "SERVICE_BUSY", "服务繁忙，请稍后重试", detail, headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id(request)
    log.exception("未处理的异常 / unhandled error (request %s)", rid)
    await record_failure(request, f"INTERNAL_ERROR {type(exc).__name__}")
    return _json(500, "INTERNAL_ERROR", "服务器内部错误，请联系管理员并提供请求编号", {"request_id": rid})


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _pool_exhausted)
    app.add_exception_handler(Exception, _unexpected)
