"""Channel tests share the capability tests' `ops_test` (upgraded to every head) and client."""

from __future__ import annotations

import pytest

from services.capabilities import face
from simulators.channel_idp import IdentityProvider
from tests.capabilities import conftest as capability_fixtures
from tests.channels import face_cache, registries_support
from tests.services.cards_support import load_card_system, serve_card_system

client = capability_fixtures.client
ops_test = capability_fixtures.ops_test
sysadmin = capability_fixtures.sysadmin


@pytest.fixture(scope="package", autouse=True)
def face_answers_once():
    """Each distinct photo is described by dlib once while the channel tests run (`face_cache`):
    they resend the same sample photos many times. The model itself loads once per process."""
    patch = pytest.MonkeyPatch()
    patch.setattr(face, "describe", face_cache.memoised(face.describe))
    yield
    patch.undo()


@pytest.fixture(scope="module")
def province():
    load_card_system()
    with serve_card_system() as url:
        yield url


@pytest.fixture(scope="module")
def registries():
    """持卡库 and 全民参保库 with the test people enrolled (the lookups point at them)."""
    registries_support.load()


@pytest.fixture
async def channel(client, sysadmin, province, registries):
    idp = IdentityProvider("tfth")
    body = {"channel_id": "tfth", "name": "天府通办", "channel_class": "政府渠道", "tier": 1,
            "region_code": "511100", "idp_public_key": idp.public_key}  # fmt: skip
    assert (
        await client.post("/api/v1/admin/channels", headers=sysadmin.headers, json=body)
    ).status_code == 201
    return idp
