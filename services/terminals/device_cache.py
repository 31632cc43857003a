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

TTL_S = 300.0
MAX_DEVICES = 50_000


@dataclass(frozen=True)
class KnownDevice:
    """A device as last read from the database (detached) and its plain secret."""

    device: Device
    secret: str
    loaded_at: float


_known: dict[str, KnownDevice] = {}


def get(device_id: str) -> KnownDevice | None:
    known = _known.get(device_id)
    if known is None or time.monotonic() - known.loaded_at > TTL_S:
        return None
    return known


def remember(device: Device) -> KnownDevice:
    """Cache a device just read (the caller detaches nothing: attributes are loaded, never refreshed)."""
    if len(_known) >= MAX_DEVICES:
        _known.clear()
    known = KnownDevice(device, credentials.unseal(device.credential, device.device_id), time.monotonic())
    _known[device.device_id] = known
    return known


def forget(device_id: str | None = None) -> None:
    """Drop one device (or all) — after this worker edits it, and when the database says it changed."""
    if device_id is None:
        _known.clear()
    else:
        _known.pop(device_id, None)
