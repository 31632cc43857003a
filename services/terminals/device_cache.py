"""已认证设备的进程内缓存：设备记录与解密后的密钥，省去每个签名请求的一次查询与一次 SM4 解密。

Never trusted on its own: every request's nonce is stored by a statement that also requires the
device to be 启用 with the same `updated_at` as the cached copy (`device_auth`), so an edit, a
deactivation or a re-issued credential in any worker is seen by the next request here. A
signature that fails against a cached secret is checked again against the database's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.terminals import credentials
from services.terminals.models import Device

TTL_S = 3600.0  # safe to keep long: every use re-checks `updated_at` in the nonce statement
MAX_DEVICES = 50_000


@dataclass(frozen=True)
class KnownDevice:
    """A device as last read from the database (detached) and its plain secret."""

    device: Device
    secret: str
    loaded_at: float


_known: dict[str, KnownDevice] = {}
_filled_at: float | None = None  # when this worker last read every enabled device at once


def get(device_id: str) -> KnownDevice | None:
    known = _known.get(device_id)
    if known is None or time.monotonic() - known.loaded_at > TTL_S:
        return None
    return known


def remember(device: Device) -> KnownDevice:
    """Cache a device just read (the caller detaches nothing: attributes are loaded, never refreshed)."""
    if len(_known) >= MAX_DEVICES:
        _known.clear()  # (a later miss reads its device alone; the next fill is after the TTL)
    known = KnownDevice(device, credentials.unseal(device.credential, device.device_id), time.monotonic())
    _known[device.device_id] = known
    return known


def needs_fill() -> bool:
    """Whether this worker should read the whole fleet (never yet, or longer ago than the TTL)."""
    return _filled_at is None or time.monotonic() - _filled_at > TTL_S


def mark_filling() -> None:
    """Claim the fill before its first await, so the misses meanwhile read their device alone."""
    global _filled_at
    _filled_at = time.monotonic()


def fill(devices: list[Device]) -> None:
    """Cache every device of one read (detached instances), keeping the fill's time."""
    for device in devices[:MAX_DEVICES]:
        remember(device)


def forget(device_id: str | None = None) -> None:
    """Drop one device (or all) — after this worker edits it, and when the database says it changed."""
    global _filled_at
    if device_id is None:
        _known.clear()
        _filled_at = None
    else:
        _known.pop(device_id, None)
