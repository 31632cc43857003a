"""合作系统的签名密钥：随机 32 字节，以 SM4-GCM（密钥环，合作系统编号作附加数据）加密保存。"""

from __future__ import annotations

import secrets

from services.terminals.credentials import keyring


def _aad(partner_id: str) -> bytes:
    return f"partner-credential\x1f{partner_id}".encode()


def new_secret() -> str:
    return secrets.token_hex(32)


def seal(secret_hex: str, partner_id: str) -> str:
    return keyring().encrypt(bytes.fromhex(secret_hex), _aad(partner_id))


def unseal(stored: str, partner_id: str) -> str:
    return keyring().decrypt(stored, _aad(partner_id)).hex()
