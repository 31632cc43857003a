"""访问记录中间件: one `access_log` row per HTTP request, handed to the writer after the response.

Pure ASGI (no `BaseHTTPMiddleware`, which buffers bodies): it times the request, reads the status
and, for errors, the machine-readable `code` of the `{code, message, detail}` body, then queues what
it saw (`Observed`); the writer classifies the caller from the request state, masks and places the
IP when it flushes, so the request path pays a few microseconds. The route
template (`/api/v1/admin/devices/{device_id}`), never the raw path, names the endpoint, so IDs in
paths stay out of the log; unmatched paths are recorded as `(未匹配)`.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.access_log import classify, places
from services.access_log.writer import WRITER, AccessLogWriter, Row

_ERROR_CODE = re.compile(rb'"code"\s*:\s*"([A-Za-z0-9_.:-]{1,40})"')
_APPLICATION = re.compile(rb'"application_id"\s*:\s*(\d{1,18})')
_PROGRESS = re.compile(rb"/h5/progress/(\d{1,18})")
UNMATCHED = "(未匹配)"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Observed:
    """What the request path keeps of a request; the writer turns it into a `Row` when it flushes."""

    scope: Scope
    started_at: float  # epoch seconds
    latency_ms: float
    seen: dict[str, Any]

    def row(self) -> Row:
        at = datetime.fromtimestamp(self.started_at, UTC)
        return _row(self.scope, at, self.latency_ms, self.seen)


class AccessLogMiddleware:
    """Record every request (see the module docstring); never delays or fails the response."""

    def __init__(self, app: ASGIApp, writer: AccessLogWriter = WRITER) -> None:
        self.app, self.writer = app, writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, wall = time.perf_counter(), time.time()
        seen: dict[str, Any] = {"status": 500, "location": None, "first": b""}

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                if 300 <= message["status"] < 400:
                    seen["location"] = dict(message.get("headers", [])).get(b"location")
            elif message["type"] == "http.response.body" and not seen["first"]:
                seen["first"] = message.get("body", b"")[:4096]
            await send(message)

        try:
            await self.app(scope, receive, watching)
        finally:
            latency = (time.perf_counter() - started) * 1000
            try:
                self.writer.record(Observed(scope, wall, latency, seen))  # classified off the request path
            except Exception:  # analytics must never break a response
                log.warning("访问记录入队失败 / access log enqueue failed", exc_info=True)


def _row(scope: Scope, at: datetime, latency_ms: float, seen: dict[str, Any]) -> Row:
    route = scope.get("route")
    endpoint = getattr(route, "path", None) or UNMATCHED
    state = scope.get("state") or {}
    actor = classify.actor_of(state, scope["path"], scope.get("query_string", b""))
    status = int(seen["status"])
    client = scope.get("client")
    masked, place = places.locate(client[0] if client else None)
    return Row(
        at=at,
        actor_kind=actor.kind,
        actor_token=actor.token,
        channel=actor.channel,
        channel_id=actor.channel_id,
        module=classify.module_of(endpoint if route else scope["path"]),
        method=scope["method"][:8],
        endpoint=endpoint[:200],
        operation=_operation(state, route, scope["method"]),
        object_id=_object_id(scope, seen, status),
        status=status,
        result=f"{status // 100}xx",
        error_code=_error_code(seen["first"]) if status >= 400 else None,
        latency_ms=round(latency_ms, 3),
        ip_masked=masked,
        county_code=place.county_code,
        place=place.name,
        request_id=state.get("request_id"),
    )


def _operation(state: dict[str, Any], route: Any, method: str) -> str:
    """The audit action when the route declared one, else its summary or name, else the method."""
    intent = state.get("audit")
    name = getattr(intent, "action", None) or getattr(route, "summary", None) or getattr(route, "name", None)
    return str(name or method)[:60]


def _object_id(scope: Scope, seen: dict[str, Any], status: int) -> str | None:
    """The application a request concerns (for the application funnel): path, redirect or body."""
    found = (scope.get("path_params") or {}).get("application_id")
    if found is not None:
        return str(found)[:32]
    if seen["location"]:
        match = _PROGRESS.search(seen["location"])
        if match:
            return match.group(1).decode()
    if scope["method"] == "POST" and status < 300 and scope["path"].endswith("/applications"):
        match = _APPLICATION.search(seen["first"])
        if match:
            return match.group(1).decode()
    return None


def _error_code(body: bytes) -> str | None:
    match = _ERROR_CODE.search(body)
    return match.group(1).decode() if match else None
