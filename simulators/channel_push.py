"""渠道消息接收端（模拟）：天府通办/智乐山/微信的待办与推送接口，按消息编号去重。

`create_app(fail_first=n)` answers 503 to the first n deliveries (to exercise retries);
`app.state.received` holds each distinct message once, `app.state.calls` counts every attempt.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse


def create_app(fail_first: int = 0) -> FastAPI:
    app = FastAPI(title="渠道待办与消息推送接口（模拟）")
    app.state.received, app.state.calls, app.state.fail_first = {}, 0, fail_first

    @app.post("/push")
    async def push(request: Request, x_message_id: str = Header()) -> Any:
        app.state.calls += 1
        if app.state.calls <= app.state.fail_first:
            return JSONResponse({"code": "BUSY", "message": "服务繁忙"}, status_code=503)
        duplicate = x_message_id in app.state.received
        app.state.received.setdefault(x_message_id, await request.json())
        return {"code": "0", "duplicate": duplicate}

    return app
