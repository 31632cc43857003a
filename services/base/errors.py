"""错误体 `{code, message, detail}`：机器可读的代码、中文说明、可选的细节。

Every 4xx/5xx the API sends has this shape: `ApiError` for the service's own refusals, and the
handlers in `services.base.handlers` translate FastAPI's validation errors and Starlette's HTTP
errors into it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """错误响应体。"""

    code: str = Field(description="机器可读的错误代码，如 NOT_FOUND、VALIDATION_ERROR")
    message: str = Field(description="中文错误说明")
    detail: Any = Field(default=None, description="细节（如逐字段的校验错误），可为空")


class ApiError(Exception):
    """A refusal with an HTTP status, a machine code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


def not_found(what: str = "对象") -> ApiError:
    """404 — the same answer for "does not exist" and "exists outside your region"."""
    return ApiError(404, "NOT_FOUND", f"{what}不存在或不在您的管辖区域内")


def forbidden(message: str = "没有执行此操作的权限") -> ApiError:
    return ApiError(403, "FORBIDDEN", message)


def unauthorized(code: str = "UNAUTHENTICATED", message: str = "请先登录") -> ApiError:
    return ApiError(401, code, message)


def invalid(code: str, message: str, detail: Any = None) -> ApiError:
    return ApiError(422, code, message, detail)


def conflict(code: str, message: str, detail: Any = None) -> ApiError:
    return ApiError(409, code, message, detail)


# HTTP statuses raised by Starlette/FastAPI themselves (routing, method, body size).
HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "请求格式错误"),
    401: ("UNAUTHENTICATED", "请先登录"),
    403: ("FORBIDDEN", "没有执行此操作的权限"),
    404: ("NOT_FOUND", "请求的资源不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
    413: ("PAYLOAD_TOO_LARGE", "请求体过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型"),
}

# Error responses every route may give, for the OpenAPI document.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录、会话过期或签名无效"},
    403: {"model": ErrorBody, "description": "没有权限"},
    422: {"model": ErrorBody, "description": "请求参数校验失败"},
}
