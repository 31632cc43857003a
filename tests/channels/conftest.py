"""Channel tests share the capability tests' `ops_test` (upgraded to every head) and client."""

from __future__ import annotations

import pytest

from simulators.channel_idp import IdentityProvider
from tests.capabilities import conftest as capability_fixtures
from tests.services.cards_support import load_card_system, serve_card_system

client = capability_fixtures.client
ops_test = capability_fixtures.ops_test
sysadmin = capability_fixtures.sysadmin


@pytest.fixture(scope="module")
def province():
    load_card_system()
    with serve_card_system() as url:
        yield url


@pytest.fixture
async def channel(client, sysadmin, province):
    idp = IdentityProvider("tfth")
    body = {"channel_id": "tfth", "name": "天府通办", "channel_class": "政府渠道", "tier": 1,
            "region_code": "511100", "idp_public_key": idp.public_key}  # fmt: skip
    assert (
        await client.post("/api/v1/admin/channels", headers=sysadmin.headers, json=body)
    ).status_code == 201
    return idp
