"""Builders for the monitoring tests: signed kiosk calls, component reports, a registered kiosk."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from services.terminals.components import MONITORED
from services.terminals.signing import sign_headers
from tests.services.helpers import device_body, register


@dataclass
class Kiosk:
    device_id: str
    secret: str


async def kiosk(client: httpx.AsyncClient, staff_headers: dict, seq: int, county: str = "511102") -> Kiosk:
    created = await register(client, staff_headers, device_body(seq, county=county))
    return Kiosk(created["device_id"], created["credential"]["secret"])


async def signed(
    client: httpx.AsyncClient, k: Kiosk, path: str, body: dict | None = None, **sign
) -> httpx.Response:
    """POST `body` as JSON to a kiosk endpoint, signed with the kiosk's secret."""
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = sign_headers(k.device_id, k.secret, "POST", path, raw, **sign)
    return await client.post(path, content=raw, headers=headers | {"Content-Type": "application/json"})


def components(**overrides) -> dict:
    """All seven monitored components 正常 (ribbon and paper with a level), with overrides."""
    parts = {code: {"status": "正常"} for code in MONITORED}
    parts["ribbon"]["level"], parts["paper"]["level"] = 80, 90
    for code, value in overrides.items():
        parts[code] = value
    return parts


async def heartbeat(client: httpx.AsyncClient, k: Kiosk, **overrides) -> httpx.Response:
    response = await signed(client, k, "/api/v1/device/heartbeat", {"components": components(**overrides)})
    assert response.status_code == 200, response.text
    return response
