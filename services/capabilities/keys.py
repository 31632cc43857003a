"""密钥服务：为合作系统生成并保管 SM4 数据密钥与 SM2 密钥对，提供解包、签名、验签。

Every key is wrapped by the platform's master key ring (`YKT_SM4_KEYS`, SM4-GCM) with the owner and
the key ID as associated data, so a wrapped key cannot be unwrapped for another partner or under
another ID, and keys wrapped before a master-key rotation still unwrap (the ring keeps old keys).
Data keys follow the envelope pattern: the partner keeps `wrapped_key` beside its data and asks for
the plain key when needed; SM2 private keys never leave the service (sign here, verify anywhere).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.db import utcnow
from services.base.errors import ApiError, conflict, not_found
from services.capabilities.models import ManagedKey
from services.terminals.credentials import keyring
from yikatong.crypto import CryptoError, sm2_generate_keypair

ACTIVE, RETIRED = "启用", "停用"


def _aad(partner_id: str, key_id: str) -> bytes:
    return f"managed-key\x1f{partner_id}\x1f{key_id}".encode()


def _new_id(algorithm: str) -> str:
    return f"{algorithm.lower()}-{secrets.token_hex(12)}"


async def create_data_key(session: AsyncSession, partner_id: str) -> tuple[ManagedKey, bytes, str]:
    """A fresh 128-bit SM4 key: the record, the plain key and the wrapped form for the partner."""
    key_id, plain = _new_id("SM4"), secrets.token_bytes(16)
    wrapped = keyring().encrypt(plain, _aad(partner_id, key_id))
    record = ManagedKey(key_id=key_id, partner_id=partner_id, algorithm="SM4", wrapped=wrapped, status=ACTIVE)
    session.add(record)
    await session.flush()
    return record, plain, f"{key_id}.{wrapped}"


async def create_sm2_key(session: AsyncSession, partner_id: str) -> ManagedKey:
    """A fresh SM2 key pair; the private key is stored wrapped and never returned."""
    pair = sm2_generate_keypair()
    key_id = _new_id("SM2")
    wrapped = keyring().encrypt(bytes.fromhex(pair.private_hex), _aad(partner_id, key_id))
    record = ManagedKey(
        key_id=key_id,
        partner_id=partner_id,
        algorithm="SM2",
        wrapped=wrapped,
        public_key=pair.public_hex,
        status=ACTIVE,
    )
    session.add(record)
    await session.flush()
    return record


async def owned(
    session: AsyncSession, partner_id: str, key_id: str, algorithm: str | None = None
) -> ManagedKey:
    """The partner's key `key_id` (404 for keys of others, as for missing ones)."""
    query = sa.select(ManagedKey).where(ManagedKey.key_id == key_id, ManagedKey.partner_id == partner_id)
    record = await session.scalar(query)
    if record is None or (algorithm and record.algorithm != algorithm):
        raise not_found("密钥")
    return record


def _usable(record: ManagedKey) -> None:
    if record.status != ACTIVE:
        raise ApiError(409, "KEY_RETIRED", "密钥已停用，不能再使用")


def unwrap(record: ManagedKey, partner_id: str, wrapped: str | None = None) -> bytes:
    """The plain key of an active record (from the stored form, or from the partner's copy)."""
    _usable(record)
    try:
        return keyring().decrypt(wrapped or record.wrapped, _aad(partner_id, record.key_id))
    except CryptoError:
        raise ApiError(422, "KEY_UNWRAP_FAILED", "密钥包装数据无效或已被篡改") from None


def split_wrapped(wrapped_key: str) -> tuple[str, str]:
    key_id, sep, ring_text = wrapped_key.partition(".")
    if not sep or not key_id.startswith("sm4-") or "$" not in ring_text:
        raise ApiError(422, "KEY_UNWRAP_FAILED", "密钥包装数据格式错误")
    return key_id, ring_text


async def retire(session: AsyncSession, record: ManagedKey) -> ManagedKey:
    if record.status == RETIRED:
        raise conflict("KEY_RETIRED", "密钥已停用")
    record.status, record.retired_at = RETIRED, utcnow()
    await session.flush()
    return record


def private_hex(record: ManagedKey, partner_id: str) -> str:
    return unwrap(record, partner_id).hex()
