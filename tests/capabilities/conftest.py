"""Capability tests: the API through HTTP on the services' test database, with registered partners.

`client` is the service tests' own (a fresh app on `ops_test`, every table emptied before each
test); `ops_test` here only upgrades the database the service tests rebuild. Partners are
registered through the staff API and call with real HMAC-SM3 signatures (`signed`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa

from services import migrations
from services.base import db as base_db
from services.base.permissions import Role
from services.capabilities.partner_auth import sign_headers
from services.models import import_all
from tests.services import conftest as service_fixtures
from tests.services.helpers import TEST_DB, Staff, make_staff
from yikatong import db
from yikatong.settings import get_settings

ALL_SCOPES = ["face", "keys", "ocr", "qa"]
client = service_fixtures.client  # the service tests' client (its `ops_test` is the one below)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def ops_test() -> AsyncIterator[str]:
    """`ops_test` upgraded to every head, rebuilt only when it cannot be upgraded.

    The service tests' own fixture drops and re-migrates it (about 30 s here); a second copy of that
    fixture would do it twice per `make test`, so this one only upgrades (seconds when current).
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "ops_database", TEST_DB)
    base_db.forget_engines()
    try:
        migrations.upgrade(TEST_DB)
    except Exception:  # a database left by another branch of the migrations: start afresh
        db.ensure_databases(("postgres",))
        admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{TEST_DB}" with (force)'))
        admin.dispose()
        migrations.upgrade(TEST_DB)
    import_all()
    yield TEST_DB
    await db.async_engine(TEST_DB).dispose()
    await db.autocommit_engine(TEST_DB).dispose()
    db.engine(TEST_DB).dispose()
    base_db.forget_engines()
    patch.undo()


@dataclass
class PartnerCredential:
    partner_id: str
    secret: str


async def register_partner(
    client: httpx.AsyncClient, admin: Staff, partner_id: str = "tfth", scopes: list[str] | None = None
) -> PartnerCredential:
    body = {
        "partner_id": partner_id,
        "name": f"合作系统{partner_id}",
        "region_code": "511100",
        "scopes": scopes or ALL_SCOPES,
    }
    response = await client.post("/api/v1/admin/partners", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return PartnerCredential(partner_id, response.json()["credential"]["secret"])


async def signed(
    client: httpx.AsyncClient, partner: PartnerCredential, method: str, path: str, **kwargs
) -> httpx.Response:
    """Send a request signed as `partner` (JSON, multipart `files=` or raw `content=`)."""
    request = client.build_request(method, path, **kwargs)
    body = request.read()
    request.headers.update(sign_headers(partner.partner_id, partner.secret, method, path, body))
    return await client.send(request)


@pytest.fixture
def sysadmin(client: httpx.AsyncClient) -> Staff:
    return make_staff("sysadmin", Role.SYSTEM_ADMIN, "511100")


@pytest.fixture
async def partner(client: httpx.AsyncClient, sysadmin: Staff) -> PartnerCredential:
    return await register_partner(client, sysadmin)
