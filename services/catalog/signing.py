"""平台的数据交换签名密钥（SM2）与确定性签名。

The manifest of a day's export is signed with SM3withSM2 (DER, default signer ID). The nonce k is
derived from the private key and the message digest (HMAC-SM3, in the manner of RFC 6979), so the
same manifest always gets the same signature: a rerun of a day's sharing is byte-identical. A
verifier needs nothing special; the signature is an ordinary SM2 signature.

The key pair lives in ``<YKT_HOME>/keys/exchange_sm2.json`` (mode 0600). Outside ``prod`` it is
created on first use; in ``prod`` it must be provisioned (the exchange registers its public key).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from gmssl.sm2 import CryptSM2

from yikatong.crypto import DEFAULT_SIGNER_ID, hmac_sm3, sm2_generate_keypair, sm2_za, sm3
from yikatong.settings import get_settings

_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)  # SM2 curve order


class SigningKeyMissing(RuntimeError):
    """生产环境未配置数据交换签名密钥。"""


def key_path() -> Path:
    return get_settings().home.resolve() / "keys" / "exchange_sm2.json"


@functools.cache
def _load(path: str) -> tuple[str, str]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["private"], data["public"]


def keypair() -> tuple[str, str]:
    """(private hex, public hex) of the platform's exchange signing key."""
    path = key_path()
    if not path.exists():
        if get_settings().profile == "prod":
            raise SigningKeyMissing(f"未配置数据交换签名密钥 {path} / exchange signing key missing")
        pair = sm2_generate_keypair()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"private": pair.private_hex, "public": pair.public_hex}), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return _load(str(path))


def sign(data: bytes, private_hex: str, public_hex: str) -> bytes:
    """Deterministic SM3withSM2 signature (DER) of ``data``."""
    digest = sm3(sm2_za(public_hex, DEFAULT_SIGNER_ID) + data)
    secret = bytes.fromhex(private_hex)
    signer = CryptSM2(private_key=private_hex, public_key="")
    for counter in range(1, 100):
        k = int.from_bytes(hmac_sm3(secret, digest + counter.to_bytes(4, "big")), "big") % (_N - 1) + 1
        raw = signer.sign(digest, f"{k:064x}")
        if raw:
            return encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))
    raise RuntimeError("SM2 签名失败")
