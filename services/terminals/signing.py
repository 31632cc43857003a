"""设备请求签名（HMAC-SM3）：终端与服务端共用的签名原文与签名计算。

String to sign (UTF-8, lines joined by `\\n`)::

    METHOD            e.g. POST
    PATH[?QUERY]      e.g. /api/v1/device/heartbeat
    TIMESTAMP         Unix seconds, e.g. 1764300000
    NONCE             16–64 characters of [A-Za-z0-9_-], never reused
    SM3(BODY)         lower-case hex of the SM3 digest of the raw body (of b"" when empty)

Headers: `X-Device-Id`, `X-Timestamp`, `X-Nonce`, `X-Signature` (hex HMAC-SM3 keyed with the
device's 32-byte secret). The server refuses timestamps outside ±`YKT_DEVICE_SIGNATURE_WINDOW_S`
and any nonce it has already seen for the device within that window.
"""

from __future__ import annotations

import secrets
import time

from yikatong.crypto import hmac_sm3, sm3_hex


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join((method.upper(), path, timestamp, nonce, sm3_hex(body))).encode()


def signature(secret_hex: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac_sm3(bytes.fromhex(secret_hex), string_to_sign(method, path, timestamp, nonce, body)).hex()


def sign_headers(
    device_id: str,
    secret_hex: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers a kiosk sends with a request (for simulators, tests and clients)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_urlsafe(18)
    return {
        "X-Device-Id": device_id,
        "X-Timestamp": ts,
        "X-Nonce": nonce,
        "X-Signature": signature(secret_hex, method, path, ts, nonce, body),
    }
