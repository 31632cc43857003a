"""渠道消息接收端（模拟）：天府通办/智乐山/微信的待办与推送接口，按消息编号去重。

`create_app(fail_first=n)` answers 503 to the first n deliveries (to exercise retries);
`app.state.received` holds each distinct message once, `app.state.calls` counts every attempt.
`GET /push` lists what arrived (newest first), so a person can see the reminders a channel got.
`make run` serves it in the background (`start_in_background`, port `YKT_CHANNEL_PUSH_PORT`, 8093).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from yikatong.background import Background
from yikatong.settings import REPO_ROOT, get_settings


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

    @app.get("/push")
    async def received(limit: int = 50) -> Any:
        newest = list(app.state.received.items())[::-1][: max(1, min(limit, 500))]
        return {"total": len(app.state.received), "attempts": app.state.calls,
                "messages": [{"message_id": key, **body} for key, body in newest]}  # fmt: skip

    return app


def _folder() -> Path:
    return get_settings().home / "channel-push"


PUSH = Background(_folder, "channel-push", b"simulators.channel_push")


def local_url() -> str:
    return f"http://127.0.0.1:{get_settings().channel_push_port}/push"


def start_in_background(wait: float = 60) -> str:
    """Serve the channels' push interface in the background unless something answers on its port."""
    port = get_settings().channel_push_port
    return PUSH.ensure(
        [sys.executable, "-m", "simulators.channel_push", "--port", str(port)],
        port=port,
        label=f"渠道消息接收端（模拟）{local_url()}",
        ready_url=local_url(),
        note="（GET 查看收到的待办与提醒）",
        cwd=REPO_ROOT,
        timeout=wait,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="渠道待办与消息推送接口（模拟）")
    parser.add_argument("--port", type=int, default=get_settings().channel_push_port)
    args = parser.parse_args()
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
