"""纯 ASGI 中间件：请求号（`X-Request-ID`）、安全响应头、请求体大小上限。"""

from __future__ import annotations

import json
import re
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
]


class RequestContext:
    """Give every request an ID (the caller's if well-formed), echo it, add safe headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode()), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse a request body larger than `max_bytes` with 413 and the standard error body.

    A declared Content-Length over the limit (or a malformed one) is refused before anything is
    read. A body without one (chunked, streamed) is counted as it arrives: the chunk that crosses
    the limit is never handed to the app; the app's read fails instead, and whatever the app
    would answer then, the client gets the 413 (unless a response had already started).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        state = {"read": 0, "over": False, "started": False}

        async def counted_receive() -> Message:
            if state["over"]:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > self.max_bytes:
                    state["over"] = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:  # the app answered the failed read its own way: the answer is 413
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    await _too_large(send, self.max_bytes)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state["over"] or state["started"]:
                raise
            state["started"] = True
            await _too_large(send, self.max_bytes)


class _BodyTooLarge(HTTPException):
    """Raised into the app when a streamed body crosses the limit (an HTTPException, so FastAPI's
    body parsing passes it on instead of turning it into a 400)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


async def _too_large(send: Send, max_bytes: int) -> None:
    message = f"请求体过大（上限 {max_bytes // 1024} KB）"
    body = json.dumps(
        {"code": "PAYLOAD_TOO_LARGE", "message": message, "detail": None}, ensure_ascii=False
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
