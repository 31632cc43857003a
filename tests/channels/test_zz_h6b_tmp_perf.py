"""TEMPORARY (h6b): single-client A/B of the progress query, old ORM path vs the one-statement path."""

import statistics
import time

import pytest
from fastapi import APIRouter

from services.channels import router as channel_router
from services.channels import service
from services.channels.residents import CurrentResident
from services.base.db import SessionDep
from tests.channels.test_progress import _application, _login
from simulators.channel_idp import IdentityProvider
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_ab(client, sysadmin):
    old = APIRouter()

    @old.get("/old-progress/{application_id}")
    async def old_progress(application_id: int, session: SessionDep, resident: CurrentResident):
        return await channel_router._out(session, await service.owned(session, resident, application_id))

    client._transport.app.include_router(old)
    idp = IdentityProvider("tfth")
    body = {"channel_id": "tfth", "name": "天府通办", "channel_class": "政府渠道", "tier": 1,
            "region_code": "511100", "idp_public_key": idp.public_key}
    assert (await client.post("/api/v1/admin/channels", headers=sysadmin.headers, json=body)).status_code == 201
    owner = await _login(client, idp, "11010519491231002X", "张三")
    (token,) = sql("select person_token from channel_resident_session")[0]
    app_id = _application(token)
    res = {}
    for rnd in range(3):
        for name, url in (("old", f"/old-progress/{app_id}"), ("new", f"/api/v1/channels/applications/{app_id}")):
            samples = []
            for _ in range(200):
                t = time.perf_counter()
                r = await client.get(url, headers=owner)
                samples.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
            res.setdefault(name, []).append(statistics.median(samples))
    tag = r.headers["etag"]
    samples = []
    for _ in range(200):
        t = time.perf_counter()
        r = await client.get(f"/api/v1/channels/applications/{app_id}", headers=owner | {"If-None-Match": tag})
        samples.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 304
    res["new_304"] = [statistics.median(samples)]
    print("\nH6B-AB", {k: [round(x, 2) for x in v] for k, v in res.items()})
