"""The workers' staff-session cache: used only while listening, emptied by the database's
announcements (another worker's change included), never outliving a revocation; and the device
list's hand-written JSON, byte for byte what `Page[DeviceOut]` serialises to."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.base import session_cache
from services.base.pagination import Page
from services.base.tokens import token_hash
from services.terminals import repository
from services.terminals.models import Device
from services.terminals.schemas import DeviceOut
from tests.services.helpers import TEST_DB, device_body, register, sql
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ME = "/api/v1/admin/auth/me"


def key_of(staff) -> str:
    return token_hash(staff.headers["Authorization"].split()[1])


@pytest_asyncio.fixture(loop_scope="session")
async def listening(client, monkeypatch):
    """This worker's listener, with a TTL so long that only a notification can empty the cache."""
    monkeypatch.setattr(session_cache, "TTL_S", 3600.0)
    task = asyncio.create_task(session_cache.run_forever())
    for _ in range(200):
        if session_cache.listening():
            break
        await asyncio.sleep(0.01)
    assert session_cache.listening()
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert not session_cache.listening()


async def until_forgotten(key: str) -> None:
    for _ in range(200):  # the announcement arrives within milliseconds; allow 2 s
        if session_cache.get(key) is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the cached session outlived its revocation")


async def test_nothing_cached_without_the_listener(client, cast):
    assert (await client.get(ME, headers=cast.sysadmin.headers)).status_code == 200
    assert session_cache.get(key_of(cast.sysadmin)) is None


async def test_cached_session_serves_without_reading_the_table(client, cast, listening):
    assert (await client.get(ME, headers=cast.sysadmin.headers)).status_code == 200
    assert session_cache.get(key_of(cast.sysadmin)) is not None
    before = sql("select last_seen_at from staff_session")
    assert (await client.get(ME, headers=cast.sysadmin.headers)).status_code == 200
    assert sql("select last_seen_at from staff_session") == before  # idle clock: once a minute


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("update staff_session set revoked_at = now()", "SESSION_ENDED"),
        ("update staff_user set is_active = false", "ACCOUNT_DISABLED"),
        ("update staff_session set last_seen_at = now() - interval '31 minutes'", "SESSION_EXPIRED"),
        ("update staff_session set expires_at = now() - interval '1 second'", "SESSION_EXPIRED"),
        ("delete from staff_session", "TOKEN_INVALID"),
    ],
    ids=["revoked", "disabled", "idle", "expired", "deleted"],
)
async def test_another_workers_change_empties_the_cache(client, cast, listening, change, code):
    assert (await client.get(ME, headers=cast.sysadmin.headers)).status_code == 200
    key = key_of(cast.sysadmin)
    assert session_cache.get(key) is not None
    sql(change)  # committed on a connection of its own, as another worker (or psql) would
    await until_forgotten(key)
    response = await client.get(ME, headers=cast.sysadmin.headers)
    assert response.status_code == 401 and response.json()["code"] == code


async def test_own_logout_is_refused_at_once(client, cast, listening):
    assert (await client.get(ME, headers=cast.sysadmin.headers)).status_code == 200
    assert (await client.post("/api/v1/admin/auth/logout", headers=cast.sysadmin.headers)).status_code == 204
    response = await client.get(ME, headers=cast.sysadmin.headers)
    assert response.status_code == 401 and response.json()["code"] == "SESSION_ENDED"


async def test_a_read_racing_a_change_is_not_cached(client, cast, listening):
    seen = session_cache.generation()
    session_cache.forget(user_id=999)  # a notification arriving while the row was being read
    cached = session_cache.Cached(None, 1, db_now(), db_now(), 0.0)
    session_cache.put("k", seen, cached)
    assert session_cache.get("k") is None


def db_now():
    return sql("select now()")[0][0]


async def test_list_body_is_what_the_page_model_serialises_to(client, cast):
    place = {"longitude": 103.765432, "latitude": 29.55, "ip": "10.0.0.9"}
    for seq in range(1, 6):
        await register(client, cast.shizhong.headers, device_body(seq, **place))
    sql("update terminal_device set last_seen_at = now() where device_id like '%0002'")
    response = await client.get("/api/v1/admin/devices?page=1&size=3", headers=cast.shizhong.headers)
    assert response.status_code == 200
    with Session(db.engine(TEST_DB)) as session:
        devices = session.scalars(sa.select(Device).order_by(Device.device_id).limit(3)).all()
        items = [repository.device_out(d) for d in devices]
    expected = Page[DeviceOut](items=items, total=5, page=1, size=3).model_dump_json().encode()
    assert response.content == expected
    assert response.json()["items"][1]["online"] is True
