"""The request body limit on bodies that declare no length (chunked, streamed): counted as they
arrive, refused with 413 and the standard error body, the app never handed the bytes past it."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.base.middleware import BodyLimit
from tests.services.test_device_excel import IMPORTS, nothing_written

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
LIMIT = 1000


async def chunks(total: int, size: int = 400):
    """A body with no Content-Length: httpx sends it chunked."""
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        sent += part
        yield b"x" * part


def reader_app(seen: list[int], swallow: bool = False) -> BodyLimit:
    """An app that reads the stream and reports how much it got (or, ``swallow``, hides the failure)."""

    async def read(request: Request) -> JSONResponse:
        got = 0
        try:
            async for part in request.stream():
                got += len(part)
        except Exception:
            if not swallow:
                raise
            return JSONResponse({"status": "read failed"}, 400)
        finally:
            seen.append(got)
        return JSONResponse({"read": got})

    return BodyLimit(Starlette(routes=[Route("/read", read, methods=["POST"])]), max_bytes=LIMIT)


@pytest.mark.parametrize("swallow", [False, True], ids=["app-raises", "app-answers-400"])
async def test_a_chunked_body_over_the_limit_is_cut_off_with_413(swallow):
    import httpx

    seen: list[int] = []
    transport = httpx.ASGITransport(app=reader_app(seen, swallow))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/read", content=chunks(5 * 400))
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 413
        body = response.json()
        assert body["code"] == "PAYLOAD_TOO_LARGE" and "请求体过大" in body["message"]
        assert seen == [800]  # the chunk that crossed the limit never reached the app
        within = await http.post("/read", content=chunks(LIMIT))
        assert within.status_code == 200 and within.json() == {"read": LIMIT}


async def test_a_declared_length_over_the_limit_is_refused_before_reading():
    import httpx

    seen: list[int] = []
    transport = httpx.ASGITransport(app=reader_app(seen))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/read", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413 and response.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert seen == []


async def test_the_api_refuses_a_chunked_login_and_upload(client, cast):
    login = await client.post("/api/v1/admin/auth/login", content=chunks(3 * 1024 * 1024, 64 * 1024))
    assert login.status_code == 413 and login.json()["code"] == "PAYLOAD_TOO_LARGE"

    async def multipart():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="d.xlsx"\r\n\r\nPK\x03\x04'
        async for part in chunks(3 * 1024 * 1024, 64 * 1024):
            yield part
        yield b"\r\n--b--\r\n"

    headers = cast.shizhong.headers | {"Content-Type": "multipart/form-data; boundary=b"}
    upload = await client.post(IMPORTS, headers=headers, content=multipart())
    assert upload.status_code == 413 and upload.json()["code"] == "PAYLOAD_TOO_LARGE", upload.text
    assert nothing_written()
