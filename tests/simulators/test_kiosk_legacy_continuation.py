"""After the legacy-history import the live fleet continues the same kiosks against the real app
(in-process ASGI, database `ops_legacy_live`): it signs with the imported credentials (no
re-registration, the devices' `updated_at` stays at the legacy registration), its card serials and
event numbers follow the imported ones (no resend duplicates), and the blank-card ledger stays exact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services import migrations
from services.app import create_app
from services.base import db as base_db
from services.base.db import utcnow
from services.base.models import StaffSession, StaffUser
from services.base.permissions import Role
from services.base.tokens import new_token
from simulators import kiosk_fleet, kiosk_legacy_import
from simulators.kiosk_api import CredentialStore, FleetApi
from tests.services.helpers import keypair, password_hash
from yikatong import db
from yikatong.settings import get_settings

DATABASE = "ops_legacy_live"
DEVICES, DAYS = 3, 2


def _staff_headers() -> dict[str, str]:
    pair = keypair("legacy_admin")
    with Session(db.engine(DATABASE)) as session:
        user = StaffUser(
            username="legacy_admin",
            display_name="终端模拟",
            role=Role.SYSTEM_ADMIN,
            region_code="511100",
            password_hash=password_hash("Ykt-Legacy-2026!"),
            sm2_public_key=pair.public_hex,
        )
        session.add(user)
        session.flush()
        token, key = new_token()
        now = utcnow()
        session.add(
            StaffSession(
                token_hash=key, user_id=user.id, last_seen_at=now, expires_at=now + timedelta(hours=8)
            )
        )
        session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def continued() -> AsyncIterator[tuple[kiosk_legacy_import.ImportResult, kiosk_fleet.Fleet, dict]]:
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "ops_database", DATABASE)
    base_db.forget_engines()
    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{DATABASE}" with (force)'))
    admin.dispose()
    migrations.upgrade(DATABASE)
    kiosk_fleet.state_path().unlink(missing_ok=True)  # a fresh fleet: serials from 0
    imported = kiosk_legacy_import.import_history(DATABASE, devices=DEVICES, days=DAYS)
    with db.engine(DATABASE).connect() as conn:
        before = {
            t: conn.scalar(sa.text(f"select count(*) from {t}"))
            for t in ("card_blank_usage", "card_finished")
        }
    options = kiosk_fleet.FleetOptions(devices=DEVICES, seed=7, speed=7200, tick_s=1, instant_per_hour=0)
    transport = httpx.ASGITransport(app=create_app(), client=("10.9.8.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as http:
        api = FleetApi(http, _staff_headers(), CredentialStore())
        fleet = kiosk_fleet.Fleet(api, kiosk_fleet.build_kiosks(options, kiosk_fleet.load_state()), options)
        await fleet.register()
        await fleet.live(6)
        yield imported, fleet, before
    await db.async_engine(DATABASE).dispose()
    await db.autocommit_engine(DATABASE).dispose()
    db.engine(DATABASE).dispose()
    base_db.forget_engines()
    patch.undo()


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_the_live_fleet_continues_the_imported_kiosks(continued):
    imported, fleet, before = continued
    tally = fleet.api.tally
    assert imported.devices == DEVICES
    assert tally.errors == {} and tally.heartbeats > 0 and sum(tally.blank_used.values()) > 0, tally.as_dict()
    with db.engine(DATABASE).connect() as conn:
        devices = conn.execute(
            sa.text("select device_id, updated_at, registered_by from terminal_device")
        ).all()
        usages = conn.scalar(sa.text("select count(*) from card_blank_usage"))
        finished = conn.scalar(sa.text("select count(*) from card_finished"))
        ledger = conn.execute(
            sa.text("""
            select s.added_total, s.used_total,
                   (select sum(quantity) from card_blank_addition a where a.device_id = s.device_id),
                   (select sum(quantity) from card_blank_usage u where u.device_id = s.device_id)
            from card_blank_stock s""")
        ).all()
    assert len(devices) == DEVICES, "no second registration"
    assert {(d.updated_at, d.registered_by) for d in devices} == {
        (imported.start, kiosk_legacy_import.IMPORTER)
    }
    # every use the live fleet reported is a new row: its event numbers follow the imported ones
    reported = tally.ok.get("blank_use", 0) + tally.ok.get("issuance", 0)  # resends would answer 200 too
    assert usages - before["card_blank_usage"] == reported == sum(tally.blank_used.values()) > 0
    assert finished > before["card_finished"], "new finished cards, numbered after the imported ones"
    assert all(added == adds and used == uses for added, used, adds, uses in ledger), ledger
    assert datetime.now(UTC) - imported.end < timedelta(days=1)
