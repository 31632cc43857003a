"""The kiosk fleet simulator: its model (determinism, failure precursors) and a short run of a small
fleet against the real app (in-process ASGI, PostgreSQL database `ops_fleettest`) through the
staff and signed device APIs only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
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
from services.cards import writeback
from simulators import kiosk_residents
from simulators.kiosk_api import CredentialStore, FleetApi, PlatformError
from simulators.kiosk_fleet import Fleet, FleetOptions, build_kiosks
from simulators.kiosk_model import HARDWARE, Kiosk
from tests.channels import registries_support
from tests.channels.registries_support import INSURANCE_DB
from tests.services.cards_support import CARD_DB, load_card_system, serve_card_system
from tests.services.helpers import keypair, password_hash
from yikatong import db
from yikatong.settings import get_settings

FLEET_DB = "ops_fleettest"
START = datetime(2026, 9, 1, tzinfo=UTC)


# ---- the model, without the platform ---------------------------------------------------------
def _script(seed: int, days: int = 6) -> list[tuple]:
    kiosks = build_kiosks(FleetOptions(devices=3, seed=seed))
    out = []
    for hour in range(days * 24):
        for k in kiosks:
            k.blank_remaining = 500  # as if the platform always answered with a full stock
            at = START + timedelta(hours=hour + 1)
            out += [(c.kind, c.path, c.body) for c in k.step(at, 1.0)]
            out.append(("hb", k.device_id, k.heartbeat(at).body))
    return out


def test_the_same_seed_gives_the_same_fleet_and_another_seed_another():
    first, again, other = _script(5), _script(5), _script(6)
    assert first == again
    assert first != other
    kinds = {kind for kind, *_ in first}
    assert {"selfcheck", "log", "finished", "blank_use", "issuance", "writeback", "pickup"} <= kinds


def test_failures_are_preceded_by_warnings_in_self_checks():
    kiosks = [Kiosk(f"LS-511102-{8001 + i}", "511102004001", i, seed=3) for i in range(10)]
    days = 60
    checks: dict[str, list[tuple[datetime, dict]]] = {}
    for hour in range(days * 24):
        at = START + timedelta(hours=hour + 1)
        for k in kiosks:
            k.blank_remaining = 500
            for call in k.step(at, 1.0):
                if call.kind == "selfcheck":
                    items = {i["component"]: i for i in call.body["items"]}
                    checks.setdefault(k.device_id, []).append((at, items))
    failures = [f for k in kiosks for f in k.failures]
    assert len(failures) >= 10 and {f["component"] for f in failures} <= set(HARDWARE)
    warned, spans = 0, []
    for f in failures:
        began, failed_at = datetime.fromisoformat(f["degrading_from"]), datetime.fromisoformat(f["failed_at"])
        assert timedelta(days=2) <= failed_at - began <= timedelta(days=6)
        before = [items[f["component"]] for at, items in checks[f["device_id"]] if began <= at < failed_at]
        assert all(item["result"] == "正常" for item in before)  # a precursor, not yet a failure
        warned += any(item.get("code", "").startswith("W") for item in before)
        spans.append((f["device_id"], f["component"], began, failed_at + timedelta(hours=48)))
    assert warned >= 0.8 * len(failures)
    # far from any degradation, components carry no warning codes
    end = START + timedelta(days=days - 7)
    quiet = [
        items[part].get("code")
        for device, rows in checks.items()
        for at, items in rows
        if at < end
        for part in HARDWARE
        if not any(d == device and p == part and lo <= at <= hi for d, p, lo, hi in spans)
    ]
    assert quiet and not any(quiet)


# ---- a small fleet against the app ----------------------------------------------------------
@pytest.fixture(scope="module")
def fleet_db() -> str:
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "ops_database", FLEET_DB)
    patch.setenv("YKT_WRITEBACK_MAX_ATTEMPTS", "1")  # a kiosk's failure goes straight to the failed list
    writeback.policy.cache_clear()
    base_db.forget_engines()
    db.ensure_databases(("postgres",))
    admin = sa.create_engine(db.server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{FLEET_DB}" with (force)'))
    admin.dispose()
    migrations.upgrade(FLEET_DB)
    yield FLEET_DB
    db.engine(FLEET_DB).dispose()
    base_db.forget_engines()
    patch.undo()
    writeback.policy.cache_clear()


def _staff_headers() -> dict[str, str]:
    pair = keypair("fleet_admin")
    with Session(db.engine(FLEET_DB)) as session:
        user = StaffUser(
            username="fleet_admin",
            display_name="终端模拟",
            role=Role.SYSTEM_ADMIN,
            region_code="511100",
            password_hash=password_hash("Ykt-Fleet-2026!"),
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


@pytest.fixture(scope="module")
def province() -> Iterator[str]:
    """The card system simulator (its own test database) and the 全民参保库 the walk-ins come from."""
    load_card_system()
    registries_support.load()
    with serve_card_system() as url:
        yield url


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def ran(fleet_db, province, tmp_path_factory) -> AsyncIterator[tuple[httpx.AsyncClient, dict, Fleet]]:
    """Four kiosks: a day of history, then 12 live ticks of 2 simulated hours each, residents of 市中区
    (three at most) walking up for a card made on the spot."""
    transport = httpx.ASGITransport(app=create_app(), client=("10.9.8.7", 50000))
    key = {"X-API-Key": get_settings().card_system_api_key}
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as http,
        httpx.AsyncClient(base_url=province, headers=key, timeout=30) as card_system,
    ):
        headers = _staff_headers()
        store = CredentialStore(tmp_path_factory.mktemp("fleet") / "credentials.json")
        options = FleetOptions(
            devices=4, seed=11, speed=7200, tick_s=1, writeback_fail_rate=0.3, instant_per_hour=3.0
        )
        fleet = Fleet(FleetApi(http, headers, store, card_system), build_kiosks(options), options)
        await fleet.register()
        await fleet.history(1)
        counties = sorted({k.county for k in fleet.kiosks})
        walk_ins = kiosk_residents.load(
            counties, seed=11, per_county=3, card_database=CARD_DB, insurance_database=INSURANCE_DB
        )
        await fleet.open_instant(walk_ins)
        await fleet.live(12)
        yield http, headers, fleet
    await db.async_engine(FLEET_DB).dispose()
    await db.autocommit_engine(FLEET_DB).dispose()


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_kiosks_are_registered_and_their_heartbeats_and_states_visible(ran):
    http, headers, fleet = ran
    assert fleet.api.tally.errors == {}
    devices = (await http.get("/api/v1/admin/devices?size=100", headers=headers)).json()
    ids = sorted(k.device_id for k in fleet.kiosks)
    assert sorted(d["device_id"] for d in devices["items"]) == ids
    assert len({d["device_id"][3:9] for d in devices["items"]}) == 4  # spread over counties
    states = (await http.get("/api/v1/admin/device-states?size=100", headers=headers)).json()
    by_id = {s["device_id"]: s for s in states["items"]}
    assert fleet.api.tally.heartbeats > 0
    for k in fleet.kiosks:
        last = fleet.api.last_components.get(k.device_id)
        if last is None:
            continue
        state = by_id[k.device_id]
        assert state["online_state"] == "在线"
        bad = [
            p
            for p, v in last.items()
            if v["status"] != "正常"
            or (v.get("level") is not None and v["level"] < {"ribbon": 10, "paper": 5}.get(p, 0))
        ]
        assert state["running_state"] == ("异常" if bad else "正常")
        assert sorted(f["component"] for f in state["faults"]) == sorted(bad)
    checks = (await http.get("/api/v1/admin/selfchecks?size=1", headers=headers)).json()
    assert checks["total"] >= 4 * 2  # a boot self-check per kiosk and day (history included)
    logs = (await http.get("/api/v1/admin/device-logs?size=1", headers=headers)).json()
    assert logs["total"] > 0


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_the_blank_card_ledger_is_exact_after_the_run(ran):
    http, headers, fleet = ran
    tally = fleet.api.tally
    assert sum(tally.blank_used.values()) > 0
    for k in fleet.kiosks:
        ledger = (await http.get(f"/api/v1/admin/blank-cards/{k.device_id}", headers=headers)).json()
        assert ledger["added_total"] == tally.blank_added[k.device_id]
        assert ledger["used_total"] == tally.blank_used.get(k.device_id, 0)
        assert ledger["remaining"] == ledger["added_total"] - ledger["used_total"] == k.blank_remaining


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_failed_write_backs_appear_in_the_failed_list(ran):
    http, headers, fleet = ran
    failed = (await http.get("/api/v1/admin/writebacks?state=失败&size=1", headers=headers)).json()
    expected = sum(fleet.api.tally.writebacks_failed.values())
    assert expected > 0 and failed["total"] == expected
    issued = (await http.get("/api/v1/admin/issuances?size=1", headers=headers)).json()
    assert issued["total"] > 0


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_kiosks_make_cards_on_the_spot_for_residents_of_the_simulated_systems(ran):
    http, headers, fleet = ran
    tally = fleet.api.tally
    issued = sum(tally.instant_issued.values())
    assert issued >= 1 and tally.premade_received >= 5, tally.as_dict()
    instant = sa.text(
        "select i.card_no, i.holder_id_masked, u.reason from card_issuance i join card_blank_usage u"
        " on u.device_id = i.device_id and u.event_id = i.event_id where u.reason like '即时%'"
    )
    with db.engine(FLEET_DB).connect() as conn:
        rows = conn.execute(instant).all()
    assert len(rows) == issued and {r.reason for r in rows} == {"即时申领"}  # refusals wrote nothing
    with db.engine(CARD_DB).connect() as conn:
        cards = dict(
            conn.execute(
                sa.text("select aaz500, aaz502 from kgl_card where aaz500 = any(:c) and aac002 is not null"),
                {"c": [r.card_no for r in rows]},
            ).all()
        )
    assert cards == {r.card_no: "1" for r in rows}  # the province bound and activated each card (正常)
    listed = (await http.get("/api/v1/admin/issuances?issue_type=领卡&size=100", headers=headers)).json()
    assert {r.card_no for r in rows} <= {i["card_no"] for i in listed["items"]}


@pytest.mark.asyncio(loop_scope="session")
async def test_a_network_failure_or_a_busy_platform_ends_a_tick_not_the_fleet(tmp_path):
    """The platform resets the connection, then answers a staff call with 503: both are counted and the
    kiosk carries on; a 4xx on a staff call (a real refusal) still stops the fleet with its reason."""
    kiosk = build_kiosks(FleetOptions(devices=1, seed=7))[0]
    kiosk.blank_remaining = 0  # the tick ends with a refill (a staff call)
    answers = iter(["reset", 503, 403])

    def platform(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == "reset":
            raise httpx.ReadError("connection reset by peer", request=request)
        return httpx.Response(answer, json={"code": "SERVICE_BUSY" if answer == 503 else "FORBIDDEN"})

    store = CredentialStore(tmp_path / "credentials.json")
    store.secrets[kiosk.device_id] = "00" * 32
    async with httpx.AsyncClient(transport=httpx.MockTransport(platform), base_url="http://platform") as http:
        api = FleetApi(http, {}, store)
        await api.run(kiosk, [kiosk.heartbeat(datetime.now(UTC))])
        await api.run(kiosk, [])
        assert api.tally.errors == {"network:ReadError": 1, "network:HTTP 503": 1}
        with pytest.raises(PlatformError, match="HTTP 403"):
            await api.run(kiosk, [])
