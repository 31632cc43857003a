"""The service base through HTTP: probes, OpenAPI, the error body, request IDs, route coverage."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from services.app import create_app

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
HAN = re.compile(r"[\u4e00-\u9fff]")
PUBLIC = {
    "/api/v1/health",
    "/api/v1/ready",
    "/api/v1/admin/auth/challenge",
    "/api/v1/admin/auth/login",
    "/api/v1/_bench/ping",
}
SELF_SERVICE = {"/api/v1/admin/auth/logout", "/api/v1/admin/auth/me", "/api/v1/admin/auth/password"}


async def test_health_and_readiness(client):
    assert (await client.get("/api/v1/health")).json() == {"status": "ok"}
    ready = await client.get("/api/v1/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_openapi_is_described_in_chinese(client):
    spec = (await client.get("/api/openapi.json")).json()
    assert HAN.search(spec["info"]["title"]) and HAN.search(spec["info"]["description"])
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert HAN.search(op.get("summary", "")), f"{method} {path} lacks a Chinese summary"
    assert all(HAN.search(tag["description"]) for tag in spec["tags"])


async def test_unknown_route_uses_the_error_body(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "NOT_FOUND", "message": "请求的资源不存在", "detail": None}


async def test_wrong_method_uses_the_error_body(client):
    response = await client.delete("/api/v1/health")
    assert response.status_code == 405 and response.json()["code"] == "METHOD_NOT_ALLOWED"


async def test_request_id_is_echoed_or_made(client):
    given = await client.get("/api/v1/health", headers={"X-Request-ID": "abc-123-def-456"})
    assert given.headers["x-request-id"] == "abc-123-def-456"
    made = await client.get("/api/v1/health", headers={"X-Request-ID": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert made.headers["x-content-type-options"] == "nosniff"


async def test_no_cors_headers(client):
    response = await client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_oversized_body_is_refused_before_reading(client):
    response = await client.post("/api/v1/admin/auth/login", content=b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413 and response.json()["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "UNAUTHENTICATED"),
        ({"Authorization": "Bearer forged.token"}, "TOKEN_INVALID"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "UNAUTHENTICATED"),
    ],
)
async def test_staff_api_needs_a_valid_token(client, headers, code):
    response = await client.get("/api/v1/admin/devices", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == code


def _api_routes(routes, prefix: str = ""):
    """Every APIRoute with its full path, also inside included routers (FastAPI ≥ 0.165 keeps an
    included router as one ``_IncludedRouter`` entry of ``app.routes``)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes, prefix + route.include_context.prefix)


async def test_every_staff_route_checks_a_permission():
    """Each /api/v1/admin route carries a permit(...) dependency unless it is login or self-service."""
    admin = [
        (path, route) for path, route in _api_routes(create_app().routes) if path.startswith("/api/v1/admin/")
    ]
    assert len(admin) > 30, "the walk must reach the included routers' routes"
    for path, route in admin:
        if path in PUBLIC | SELF_SERVICE:
            continue
        checks = [d.call for d in route.dependant.dependencies if hasattr(d.call, "permission")]
        assert len(checks) == 1, f"{route.methods} {path} has no permission check"


async def test_validation_errors_are_in_chinese(client, cast):
    response = await client.get("/api/v1/admin/devices?size=1000", headers=cast.sysadmin.headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR" and body["message"] == "请求参数校验失败"
    assert body["detail"] == [{"field": "query.size", "message": "不能大于 100"}]


async def test_bench_ping_outside_prod(client):
    assert (await client.get("/api/v1/_bench/ping")).json()["status"] == "ok"


async def test_migrations_match_the_models(ops_test):
    """Alembic's head and the SQLAlchemy models describe the same schema (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.base.db import Base
    from yikatong import db

    with db.engine(ops_test).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
