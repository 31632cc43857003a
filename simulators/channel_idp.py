"""渠道身份提供方（模拟）：天府通办、智乐山、微信以 SM2 私钥对实名断言签名，平台用登记的公钥验签。

An assertion is compact: base64url(JSON claims) + "." + base64url(DER SM3withSM2 signature over the
claims bytes). Claims: `iss` (channel ID), `sub_id` (ID number), `name`, `iat`, `exp` (Unix s),
`jti` (one-time assertion ID); for non-mainland residents also `doc_type` (证件类型, name or code,
e.g. `港澳居民来往内地通行证` / `03`) and, when the number carries no birth date (通行证), `birth`
(`YYYY-MM-DD`): pass them as keyword arguments to `assertion`.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field

from yikatong import crypto

PROVIDERS = {"tfth": "天府通办", "zls": "智乐山", "wechat": "乐山人社微信公众号"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class IdentityProvider:
    """One channel's identity provider with its own SM2 key pair."""

    channel_id: str
    keys: crypto.SM2KeyPair = field(default_factory=crypto.sm2_generate_keypair)

    @property
    def public_key(self) -> str:
        return self.keys.public_hex

    def assertion(
        self, id_number: str, name: str, *, ttl_s: int = 300, now: float | None = None, **extra
    ) -> str:
        """A signed real-name assertion for a resident who logged in at this channel."""
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.channel_id,
            "sub_id": id_number,
            "name": name,
            "iat": issued,
            "exp": issued + ttl_s,
            "jti": secrets.token_hex(16),
        } | extra
        body = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
        signature = crypto.sm2_sign(self.keys.private_hex, body, public_hex=self.keys.public_hex)
        return f"{b64url(body)}.{b64url(signature)}"
