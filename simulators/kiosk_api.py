"""自助机模拟与平台的对接：设备签名调用、工作人员登记设备与添加预制卡、凭证保存。

The fleet speaks only the platform's public HTTP API: the staff API (`/api/v1/admin/...`, a bearer
token) to register its kiosks and put blank cards in them, and the device API
(`/api/v1/device/...`, HMAC-SM3 signed with each kiosk's credential, `services.terminals.signing`).
For instant issuance a live fleet also gets pre-made cards from the provincial card system
(`POST /api/premade`, its API key), a few at a time per kiosk, as the province ships them.
Credentials are kept in `<home>/kiosk-fleet/credentials.json` (mode 600) so a restarted fleet
reuses its registrations; a kiosk registered earlier whose secret is lost gets a reissued one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.terminals.signing import sign_headers
from simulators import kiosk_instant
from simulators.kiosk_model import Call, Kiosk
from yikatong import regions
from yikatong.settings import get_settings

DEVICE_SEQ_BASE = 8000  # fleet kiosks are LS-<county>-8001…, apart from devices staff register
REFILL_BELOW, REFILL_QUANTITY = 40, 300


def fleet_dir() -> Path:
    path = get_settings().home / "kiosk-fleet"
    path.mkdir(parents=True, exist_ok=True)
    return path


def layout(count: int) -> list[tuple[str, str]]:
    """(device ID, outlet) for `count` kiosks, dealt over the counties in turn, then their outlets."""
    by_county = {c: regions.outlets(c) for c in sorted(regions.COUNTIES)}
    by_county = {c: outlets for c, outlets in by_county.items() if outlets}
    counties, out = list(by_county), []
    for i in range(count):
        county = counties[i % len(counties)]
        outlets = by_county[county]
        outlet = outlets[(i // len(counties)) * 7 % len(outlets)]
        out.append((f"LS-{county}-{DEVICE_SEQ_BASE + i + 1}", outlet.code))
    return out


def registration(kiosk: Kiosk) -> dict[str, str]:
    """What staff enter to register the kiosk (also what the legacy-history import registers)."""
    return {
        "device_id": kiosk.device_id,
        "name": f"模拟自助机{kiosk.device_id[-4:]}号",
        "device_type": "自助制发卡一体机",
        "outlet_code": kiosk.outlet_code,
        "address": f"{regions.get(kiosk.outlet_code).full_name}服务大厅",
        "manufacturer": "模拟终端",
        "serial_no": f"SIM{kiosk.index:05d}",
    }


class CredentialStore:
    """Device secrets on disk, one JSON object `{device_id: secret_hex}`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or fleet_dir() / "credentials.json"
        self.secrets: dict[str, str] = json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.secrets, indent=1, sort_keys=True))
        tmp.chmod(0o600)
        os.replace(tmp, self.path)


@dataclass
class Tally:
    """What the fleet did, as the platform answered it."""

    ok: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    blank_used: dict[str, int] = field(default_factory=dict)  # device -> cards the server counted
    blank_added: dict[str, int] = field(default_factory=dict)
    writebacks_failed: dict[str, int] = field(default_factory=dict)  # device -> failures reported
    instant_issued: dict[str, int] = field(default_factory=dict)  # device -> cards made on the spot
    instant_refused: dict[str, int] = field(default_factory=dict)  # refusal code -> count
    premade_received: int = 0
    heartbeats: int = 0

    def as_dict(self) -> dict:
        total = lambda d: sum(d.values())  # noqa: E731
        return {
            "ok": dict(sorted(self.ok.items())),
            "errors": dict(sorted(self.errors.items())),
            "heartbeats": self.heartbeats,
            "blank_used": total(self.blank_used),
            "blank_added": total(self.blank_added),
            "writebacks_failed": total(self.writebacks_failed),
            "instant_issued": total(self.instant_issued),
            "instant_refused": dict(sorted(self.instant_refused.items())),
        }


class PlatformError(RuntimeError):
    """The platform refused a staff call the fleet needs (message in Chinese, and the HTTP status)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class FleetApi:
    """The two faces of the platform the fleet uses, over one `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        staff_headers: dict[str, str],
        store: CredentialStore,
        province: httpx.AsyncClient | None = None,
    ) -> None:
        self.http, self.staff_headers, self.store = http, staff_headers, store
        self.province = province  # the card system (base URL and API key set), for pre-made cards
        self.tally = Tally()
        self.last_components: dict[str, dict] = {}  # device -> components of its last accepted heartbeat

    async def _staff(self, method: str, path: str, **kwargs) -> httpx.Response:
        return await self.http.request(method, path, headers=self.staff_headers, **kwargs)

    async def ensure_registered(self, kiosk: Kiosk) -> None:
        """Register the kiosk (or reuse it; reissue a lost secret) and give it blank cards."""
        device_id = kiosk.device_id
        known = await self._staff("GET", f"/api/v1/admin/devices/{device_id}")
        if known.status_code == 404:
            created = await self._staff("POST", "/api/v1/admin/devices", json=registration(kiosk))
            _expect(created, 201, f"登记设备 {device_id}")
            self.store.secrets[device_id] = created.json()["credential"]["secret"]
        elif known.status_code == 200 and device_id not in self.store.secrets:
            issued = await self._staff("POST", f"/api/v1/admin/devices/{device_id}/credential")
            _expect(issued, 200, f"重新签发 {device_id} 的凭证")
            self.store.secrets[device_id] = issued.json()["secret"]
        else:
            _expect(known, 200, f"查询设备 {device_id}")
        self.store.save()
        await self.refill(kiosk, force=False)

    async def refill(self, kiosk: Kiosk, *, force: bool) -> None:
        """Staff put blank cards in when the kiosk runs low (what an outlet clerk does)."""
        ledger = await self._staff("GET", f"/api/v1/admin/blank-cards/{kiosk.device_id}")
        _expect(ledger, 200, f"查询 {kiosk.device_id} 的预制卡")
        remaining = ledger.json()["remaining"]
        if force or remaining < REFILL_BELOW:
            body = {"quantity": REFILL_QUANTITY, "remark": "终端模拟补充预制卡"}
            added = await self._staff(
                "POST", f"/api/v1/admin/blank-cards/{kiosk.device_id}/additions", json=body
            )
            _expect(added, 201, f"为 {kiosk.device_id} 添加预制卡")
            remaining = added.json()["ledger"]["remaining"]
            _add(self.tally.blank_added, kiosk.device_id, REFILL_QUANTITY)
        kiosk.blank_remaining = remaining

    async def restock_premade(self, kiosk: Kiosk) -> None:
        """The province ships a lot of pre-made cards when the kiosk's hopper runs low (live runs)."""
        if self.province is None or kiosk.walk_ins is None or len(kiosk.premade) > kiosk_instant.PREMADE_LOW:
            return
        body = {"AAB301": kiosk.county, "SL": kiosk_instant.PREMADE_LOT}
        try:
            shipped = await self.province.post("/api/premade", json=body)
        except httpx.HTTPError as exc:  # the province is away: no instant cards until it is back
            _add(self.tally.errors, f"premade:{type(exc).__name__}", 1)
            return
        if shipped.status_code != 201:
            _add(self.tally.errors, f"premade:{_code(shipped)}", 1)
            return
        cards = shipped.json()["data"]
        kiosk.premade[:0] = [
            {"card_no": c["AAZ500"], "chip_no": c["CHIPNO"], "bank_account": c["AAE010"]} for c in cards
        ]
        self.tally.premade_received += len(cards)

    async def send(self, kiosk: Kiosk, call: Call) -> httpx.Response:
        """One signed device call; the balance and the tally follow the answer."""
        raw = b"" if call.body is None else json.dumps(call.body, ensure_ascii=False).encode()
        secret = self.store.secrets[kiosk.device_id]
        headers = sign_headers(kiosk.device_id, secret, call.method, call.path, raw)
        if raw:
            headers["Content-Type"] = "application/json"
        answer = await self.http.request(call.method, call.path, content=raw, headers=headers)
        await self._account(kiosk, call, answer)
        return answer

    async def _account(self, kiosk: Kiosk, call: Call, answer: httpx.Response) -> None:
        if call.kind == "instant":
            self._account_instant(kiosk, call, answer)
        elif answer.is_success:
            self._account_success(kiosk, call, answer.json())
        else:
            _add(self.tally.errors, f"{call.kind}:{_code(answer)}", 1)
        if not answer.is_success and _code(answer) == "STOCK_INSUFFICIENT":
            await self.refill(kiosk, force=True)
        if kiosk.blank_remaining < REFILL_BELOW:
            await self.refill(kiosk, force=False)

    def _account_success(self, kiosk: Kiosk, call: Call, data: dict) -> None:
        _add(self.tally.ok, call.kind, 1)
        if call.kind == "heartbeat":
            self.tally.heartbeats += 1
            self.last_components[kiosk.device_id] = call.body["components"]
        balance = data.get("balance", data) if call.kind in ("blank_use", "issuance") else None
        if balance is not None:
            kiosk.blank_remaining = balance["remaining"]
            if not balance.get("duplicate"):
                _add(self.tally.blank_used, kiosk.device_id, call.body.get("quantity", 1))
        if call.kind == "writeback" and call.body["result"] == "失败" and not data.get("duplicate"):
            _add(self.tally.writebacks_failed, kiosk.device_id, 1)

    def _account_instant(self, kiosk: Kiosk, call: Call, answer: httpx.Response) -> None:
        """A card made on the spot uses one blank card; a refusal gives the pre-made card back."""
        if answer.is_success:
            data = answer.json()
            _add(self.tally.ok, call.kind, 1)
            kiosk.blank_remaining = data["balance"]["remaining"]
            if not data["duplicate"]:
                _add(self.tally.blank_used, kiosk.device_id, 1)
                _add(self.tally.instant_issued, kiosk.device_id, 1)
            return
        code = _code(answer)
        if code in kiosk_instant.REFUSALS:
            _add(self.tally.instant_refused, code, 1)
        else:
            _add(self.tally.errors, f"{call.kind}:{code}", 1)
        if code != "CARD_SYSTEM_REFUSED":  # the province did not take this card: it stays in the hopper
            kiosk.premade.append(call.body["blank_card"])

    async def run(self, kiosk: Kiosk, calls: list[Call]) -> None:
        """The kiosk's calls of one tick. A network failure or a busy platform (connection reset,
        timeout, 5xx on a staff call) ends this kiosk's tick, counted under ``errors`` as
        ``network:<what>``; it carries on next tick, as a real kiosk would. The fleet never dies of it."""
        try:
            for call in calls:
                await self.send(kiosk, call)
            if kiosk.blank_remaining < REFILL_BELOW:
                await self.refill(kiosk, force=False)
            await self.restock_premade(kiosk)
        except httpx.TransportError as exc:
            _add(self.tally.errors, f"network:{type(exc).__name__}", 1)
        except PlatformError as exc:
            if exc.status < 500:
                raise
            _add(self.tally.errors, f"network:HTTP {exc.status}", 1)


def _add(counter: dict[str, int], key: str, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


def _code(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("code", answer.status_code))
    except ValueError:
        return str(answer.status_code)


def _expect(answer: httpx.Response, status: int, what: str) -> None:
    if answer.status_code != status:
        raise PlatformError(f"{what}失败：HTTP {answer.status_code} {answer.text[:300]}", answer.status_code)
