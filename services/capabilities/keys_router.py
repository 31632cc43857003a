"""密钥服务接口（合作系统以 HMAC-SM3 签名调用）：`/api/v1/capabilities/keys/...`。"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ApiError
from services.capabilities import keys
from services.capabilities.partner_auth import CurrentPartner, capability
from services.capabilities.schemas import (
    DataKeyOut,
    KeyStatusOut,
    SignIn,
    SignOut,
    Sm2KeyOut,
    UnwrapIn,
    UnwrapOut,
    VerifyIn,
    VerifyOut,
)
from services.terminals.credentials import keyring
from yikatong.crypto import sm2_sign, sm2_verify

router = APIRouter(prefix="/api/v1/capabilities/keys", tags=["密钥服务"], responses=COMMON_RESPONSES)
KeyId = Annotated[str, Path(pattern=r"^sm[24]-[0-9a-f]{24}$", description="密钥编号")]
NOT_FOUND = {404: {"description": "密钥不存在"}, 409: {"description": "密钥已停用"}}
MAX_DATA = 64 * 1024


def _b64(text: str, what: str, limit: int = MAX_DATA) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "BASE64_INVALID", f"{what}不是有效的 Base64") from None
    if not data or len(data) > limit:
        raise ApiError(422, "DATA_SIZE", f"{what}应为 1 字节到 {limit // 1024} KB")
    return data


def _sm2_out(record) -> Sm2KeyOut:
    return Sm2KeyOut(
        key_id=record.key_id, public_key=record.public_key, status=record.status, created_at=record.created_at
    )


@router.post(
    "/data-keys",
    response_model=DataKeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="生成 SM4 数据密钥",
    dependencies=[capability("keys", "capability.key.create", "managed_key")],
)
async def create_data_key(partner: CurrentPartner, session: SessionDep, audit: AuditDep) -> DataKeyOut:
    """生成 128 位 SM4 数据密钥，返回明文（仅此一次）和主密钥包装后的形式。"""
    record, plain, wrapped = await keys.create_data_key(session, partner.username)
    await audit.commit(session, object_id=record.key_id, detail={"algorithm": "SM4"})
    return DataKeyOut(
        key_id=record.key_id, key=plain.hex(), wrapped_key=wrapped, master_key_id=keyring().active_kid
    )


@router.post(
    "/data-keys/unwrap",
    response_model=UnwrapOut,
    summary="解包数据密钥",
    dependencies=[capability("keys", "capability.key.unwrap", "managed_key")],
    responses=NOT_FOUND,
)
async def unwrap(body: UnwrapIn, partner: CurrentPartner, session: SessionDep, audit: AuditDep) -> UnwrapOut:
    """提交生成时得到的 `wrapped_key`，取回明文数据密钥；只能解包本系统的、未停用的密钥。"""
    key_id, ring_text = keys.split_wrapped(body.wrapped_key)
    record = await keys.owned(session, partner.username, key_id, "SM4")
    plain = keys.unwrap(record, partner.username, ring_text)
    await audit.commit(session, object_id=key_id)
    return UnwrapOut(key_id=key_id, key=plain.hex())


@router.post(
    "/sm2-keys",
    response_model=Sm2KeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="生成 SM2 密钥对",
    dependencies=[capability("keys", "capability.key.create", "managed_key")],
)
async def create_sm2_key(partner: CurrentPartner, session: SessionDep, audit: AuditDep) -> Sm2KeyOut:
    """生成 SM2 密钥对，私钥由密钥服务以主密钥包装保存、不离开服务，返回公钥。"""
    record = await keys.create_sm2_key(session, partner.username)
    await audit.commit(session, object_id=record.key_id, detail={"algorithm": "SM2"})
    return _sm2_out(record)


@router.get(
    "/sm2-keys/{key_id}",
    response_model=Sm2KeyOut,
    summary="查询 SM2 公钥",
    dependencies=[capability("keys")],
    responses=NOT_FOUND,
)
async def get_sm2_key(key_id: KeyId, partner: CurrentPartner, session: SessionDep) -> Sm2KeyOut:
    """本系统的 SM2 密钥的公钥与状态。"""
    return _sm2_out(await keys.owned(session, partner.username, key_id, "SM2"))


@router.post(
    "/sm2-keys/{key_id}/sign",
    response_model=SignOut,
    summary="SM2 签名",
    dependencies=[capability("keys", "capability.key.sign", "managed_key")],
    responses=NOT_FOUND,
)
async def sign(
    key_id: KeyId, body: SignIn, partner: CurrentPartner, session: SessionDep, audit: AuditDep
) -> SignOut:
    """以服务保管的私钥对数据签名（SM3withSM2，DER），签名者 ID 默认为 1234567812345678。"""
    data = _b64(body.data, "待签名数据")
    record = await keys.owned(session, partner.username, key_id, "SM2")
    private = keys.private_hex(record, partner.username)
    signer = body.signer_id.encode()
    signature = await anyio.to_thread.run_sync(
        lambda: sm2_sign(private, data, signer, public_hex=record.public_key)
    )
    await audit.commit(session, object_id=key_id, detail={"bytes": len(data)})
    return SignOut(key_id=key_id, signature=base64.b64encode(signature).decode())


@router.post("/sm2/verify", response_model=VerifyOut, summary="SM2 验签", dependencies=[capability("keys")])
async def verify(body: VerifyIn) -> VerifyOut:
    """用公钥验证 SM3withSM2 签名；签名不符时 `valid` 为 false，公钥格式错误时 422。"""
    data, signature = _b64(body.data, "原文"), _b64(body.signature, "签名", 200)
    try:
        valid = await anyio.to_thread.run_sync(
            lambda: sm2_verify(body.public_key, data, signature, body.signer_id.encode())
        )
    except ValueError:
        raise ApiError(422, "PUBLIC_KEY_INVALID", "SM2 公钥格式错误或不在曲线上") from None
    return VerifyOut(valid=valid)


@router.post(
    "/{key_id}/retire",
    response_model=KeyStatusOut,
    summary="停用密钥",
    dependencies=[capability("keys", "capability.key.retire", "managed_key")],
    responses=NOT_FOUND,
)
async def retire(
    key_id: KeyId, partner: CurrentPartner, session: SessionDep, audit: AuditDep
) -> KeyStatusOut:
    """停用后该密钥不能再解包或签名（已签名的数据仍可用公钥验证）。"""
    record = await keys.retire(session, await keys.owned(session, partner.username, key_id))
    await audit.commit(session, object_id=key_id)
    return KeyStatusOut(
        key_id=key_id, algorithm=record.algorithm, status=record.status, retired_at=record.retired_at
    )
