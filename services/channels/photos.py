"""居民上传图片的保存与人证比对：制卡照片（一张人脸）、身份证人像面（取其人像），加密存储，申请时比对。

Storage choice: the bytes stay in PostgreSQL as SM4-GCM ciphertext under the platform key ring
(`terminals.credentials.keyring`, key ID inside the ciphertext, so master keys rotate), with the
photo's own ID as associated data, so a ciphertext moved to another row does not decrypt. The face
descriptor (biometric) is encrypted the same way. Rows are referenced by an unguessable ID
(`p_…`, 192 bits) and only by their owner (the resident's blind index); an application adopts its
photos (`application_id`), and unadopted uploads older than a day can be swept.

Checks on upload: format, size and dimensions (`capabilities.images`), then faces: a live photo must
show exactly one face (confident detections), an ID image must show its portrait. On submission the
live photo's descriptor is compared with the ID portrait's: distance ≥ 0.6 → 422 `FACE_MISMATCH`.
"""

from __future__ import annotations

import secrets

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.errors import ApiError, conflict, invalid
from services.capabilities import face, images
from services.channels.models import Application, ChannelPhoto
from services.terminals.credentials import keyring
from yikatong import crypto

LIVE, ID_IMAGE = "照片", "身份证"


def _aad(photo_id: str, part: str) -> bytes:
    return f"channel-photo\x1f{photo_id}\x1f{part}".encode()


def _media_type(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


async def faces_of_live(rgb: np.ndarray) -> np.ndarray:
    """The descriptor of the one face in a live photo; 422 when there is none or more than one."""
    faces, vector = await face.describe_async(rgb)
    if vector is None:
        raise ApiError(422, "NO_FACE", "照片中未检测到人脸，请正对镜头、光线充足后重拍")
    confident = [f for f in faces if f.score >= face.CONFIDENT_SCORE]
    if len(confident) > 1:
        raise ApiError(422, "MULTIPLE_FACES", f"照片中有 {len(confident)} 张人脸，只能有本人一张")
    return vector


async def store(
    session: AsyncSession,
    person_token: str,
    kind: str,
    data: bytes,
    rgb: np.ndarray,
    vector: np.ndarray | None,
    faces: int,
) -> ChannelPhoto:
    """Encrypt and keep one checked upload (the caller commits)."""
    photo_id = "p_" + secrets.token_urlsafe(24)
    ring = keyring()
    row = ChannelPhoto(
        photo_id=photo_id,
        person_token=person_token,
        kind=kind,
        media_type=_media_type(data),
        width=int(rgb.shape[1]),
        height=int(rgb.shape[0]),
        size_bytes=len(data),
        digest=crypto.sm3_hex(data),
        faces=faces,
        content_cipher=ring.encrypt(data, _aad(photo_id, "content")),
        descriptor_cipher=None
        if vector is None
        else ring.encrypt(np.asarray(vector, dtype="<f8").tobytes(), _aad(photo_id, "descriptor")),
    )
    session.add(row)
    await session.flush()
    return row


async def store_live(session: AsyncSession, person_token: str, data: bytes) -> ChannelPhoto:
    rgb = images.decode(data, images.PHOTO)
    vector = await faces_of_live(rgb)
    return await store(session, person_token, LIVE, data, rgb, vector, 1)


async def store_id_image(
    session: AsyncSession, person_token: str, data: bytes, rgb: np.ndarray
) -> ChannelPhoto:
    """The ID image (already decoded and read by OCR) with its portrait's descriptor, if one shows."""
    faces, vector = await face.describe_async(rgb)
    return await store(session, person_token, ID_IMAGE, data, rgb, vector, len(faces))


def content(row: ChannelPhoto) -> bytes:
    return keyring().decrypt(row.content_cipher, _aad(row.photo_id, "content"))


def descriptor(row: ChannelPhoto) -> np.ndarray | None:
    if row.descriptor_cipher is None:
        return None
    raw = keyring().decrypt(row.descriptor_cipher, _aad(row.photo_id, "descriptor"))
    return np.frombuffer(raw, dtype="<f8")


async def _owned(session: AsyncSession, person_token: str, photo_id: str, kind: str) -> ChannelPhoto:
    row = await session.scalar(
        sa.select(ChannelPhoto).where(
            ChannelPhoto.photo_id == photo_id, ChannelPhoto.person_token == person_token
        )
    )  # no lock: two submissions with the same photos meet at the one-open-application index
    if row is None or row.kind != kind:
        raise invalid("PHOTO_NOT_FOUND", f"未找到上传的{kind}，请重新上传", {"photo_id": photo_id})
    if row.application_id is not None:
        used_by = await session.get(Application, row.application_id)
        if used_by is not None and used_by.open:  # the same submission again, under another key
            raise conflict("APPLICATION_OPEN", "您有一件尚未办结的业务，请办结或撤回后再申请")
        raise invalid("PHOTO_USED", f"该{kind}已用于另一件申请，请重新上传")
    return row


async def match(
    session: AsyncSession, person_token: str, photo_id: str | None, id_image_id: str | None
) -> tuple[list[ChannelPhoto], float]:
    """Both uploads (owned, unused) and the live photo's distance to the ID portrait; 422 otherwise."""
    if not photo_id or not id_image_id:
        raise invalid("PHOTO_REQUIRED", "请上传本人制卡照片和身份证人像面照片")
    live = await _owned(session, person_token, photo_id, LIVE)
    card = await _owned(session, person_token, id_image_id, ID_IMAGE)
    portrait = descriptor(card)
    if portrait is None:
        raise invalid("ID_PORTRAIT_MISSING", "身份证人像面照片中未识别到人像，请拍摄完整、清晰的人像面")
    result = face.compare(descriptor(live), portrait)
    if not result.same_person:
        raise invalid(
            "FACE_MISMATCH",
            "人证比对不通过：制卡照片与身份证上的人像不是同一人",
            {"distance": result.distance, "threshold": face.MATCH_DISTANCE},
        )
    return [live, card], result.distance


def adopt(rows: list[ChannelPhoto], application_id: int) -> None:
    for row in rows:
        row.application_id = application_id
