"""设备凭证：随机 32 字节密钥，以 SM4-GCM（密钥环，设备编号作附加数据）加密保存。"""

from __future__ import annotations

import functools
import secrets

from yikatong.crypto import KeyRing
from yikatong.settings import get_settings


@functools.cache
def _keyring(spec: str, active: str | None) -> KeyRing:
    return KeyRing.from_spec(spec, active)


def keyring() -> KeyRing:
    s = get_settings()
    return _keyring(s.sm4_keys, s.sm4_active_key)


def _aad(device_id: str) -> bytes:
    return f"device-credential\x1f{device_id}".encode()


def new_secret() -> str:
    return secrets.token_hex(32)


def seal(secret_hex: str, device_id: str) -> str:
    """The stored form of a device secret (bound to its device ID)."""
    return keyring().encrypt(bytes.fromhex(secret_hex), _aad(device_id))


def unseal(stored: str, device_id: str) -> str:
    return keyring().decrypt(stored, _aad(device_id)).hex()
