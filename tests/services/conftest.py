"""Service tests: the FastAPI app through HTTP (httpx + ASGITransport) on a real PostgreSQL.

They use their own database `ops_test` (migrated afresh once per run), never the demo data, and
empty every table before each test. Staff users are inserted directly with cached password hashes
and SM2 key pairs (both are slow to make); logging in through the API is tested in test_auth.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa

from services import migrations
from services.access_log.writer import WRITER as access_log_writer
from services.app import create_app
from services.base import db as base_db
from services.base.db import Base
from services.base.permissions import Role
from services.models import import_all
from tests.services.helpers import TEST_DB, Staff, make_staff
from yikatong import db
from yikatong.settings import get_settings


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def ops_test() -> AsyncIterator[str]:
    """`ops_test`, dropped and migrated to head; settings point the app at it for the session."""
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "ops_database", TEST_DB)
    base_db.forget_engines()
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


def truncate_all() -> None:
    """Empty every table. No transaction may be left open by then (the buffered writers drain at
    each client's teardown and write in single autocommitted statements): a lock still held after
    10 s fails the test loudly instead of being cleared by terminating backends."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    # the audit log refuses TRUNCATE unless its trigger is off
    with db.engine(TEST_DB).begin() as conn:
        conn.execute(sa.text("set local lock_timeout = '10s'"))
        conn.execute(sa.text("alter table audit_log disable trigger user"))
        conn.execute(sa.text(f"truncate {tables} cascade"))
        conn.execute(sa.text("alter table audit_log enable trigger user"))


@pytest_asyncio.fixture(loop_scope="session")
async def client(ops_test: str) -> AsyncIterator[httpx.AsyncClient]:
    # in a thread: background tasks of the previous test (buffered writers) may still hold a
    # transaction that needs this event loop to commit before TRUNCATE can take its lock
    await asyncio.to_thread(truncate_all)
    transport = httpx.ASGITransport(app=create_app(), client=("10.1.2.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await access_log_writer.close()  # as the app's shutdown does: drained on this test's loop


@dataclass
class Cast:
    """The usual people: city-level administrators and two county region administrators."""

    sysadmin: Staff
    secadmin: Staff
    auditor: Staff
    shizhong: Staff  # 区域管理员 市中区 511102
    emei: Staff  # 区域管理员 峨眉山市 511181


@pytest.fixture
def cast(client: httpx.AsyncClient) -> Cast:
    return Cast(
        make_staff("sysadmin", Role.SYSTEM_ADMIN, "511100"),
        make_staff("secadmin", Role.SECURITY_ADMIN, "511100"),
        make_staff("auditor", Role.AUDITOR, "511100"),
        make_staff("szq_admin", Role.REGION_ADMIN, "511102"),
        make_staff("emei_admin", Role.REGION_ADMIN, "511181"),
    )
