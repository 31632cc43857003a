"""居民上传：身份证人像面识别（预填表单）与制卡照片检查（格式、大小、尺寸、唯一人脸）。

Both reuse the capability layer (`services.capabilities`: `images` guards, `ocr` + `id_card`
parsing, `face` detection). The OCR answer says whether the card's number is the logged-in
resident's (`matches_resident`), never echoes another person's full number, and keeps the image
(encrypted, `channels.photos`) as `id_image_id` for the application's face comparison;
`POST /photos` keeps the checked 制卡照片 as `photo_id`. `/photos/check` only checks.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ApiError
from services.capabilities import face, id_card, images, ocr
from services.channels import photos
from services.channels.residents import CurrentResident
from yikatong import pii

router = APIRouter(prefix="/api/v1/channels", tags=["渠道与线上业务"], responses=COMMON_RESPONSES)


class Prefill(BaseModel):
    """识别出的表单预填项（号码只给掩码）与提示。"""

    name: str | None
    sex: str | None
    ethnicity: str | None
    address: str | None
    id_masked: str | None
    matches_resident: bool = Field(description="证件号码是否与登录的本人一致")
    warnings: list[str]
    id_image_id: str | None = Field(None, description="已加密保存的身份证图片编号（本人证件时），申请时提交")
    portrait_found: bool = Field(False, description="是否识别到证件人像（人证比对需要）")


class PhotoOk(BaseModel):
    width: int
    height: int
    faces: int = 1


class PhotoStored(PhotoOk):
    photo_id: str = Field(description="已加密保存的制卡照片编号，申请时提交")


async def _upload(request: Request, field: str, label: str) -> bytes:
    form = await request.form(max_files=1, max_fields=2)
    part = form.get(field)
    if not isinstance(part, UploadFile):
        raise ApiError(422, "IMAGE_MISSING", f"缺少{label}（表单字段 {field}）")
    return await part.read()


@router.post("/id-card/ocr", response_model=Prefill, summary="身份证识别预填")
async def prefill(request: Request, session: SessionDep, resident: CurrentResident) -> Prefill:
    """上传身份证人像面，识别姓名、性别、民族、住址与号码，用于预填申请表；本人证件加密保存以备人证比对。"""
    return await read_id_card(session, resident, await _upload(request, "image", "身份证图片"))


async def read_id_card(session: SessionDep, resident: CurrentResident, data: bytes) -> Prefill:
    """OCR the ID image; the resident's own card is kept (encrypted, committed) for the face comparison."""
    rgb = images.decode(data, images.ID_CARD)
    fields = id_card.parse(await ocr.read_text_async(rgb))
    if fields.id_number is None and fields.name is None:
        raise ApiError(422, "NOT_AN_ID_CARD", "未识别到身份证人像面信息，请拍摄完整、清晰的人像面")
    matches = fields.id_number is not None and fields.id_number.upper() == resident.id_number
    warnings = list(fields.warnings) + ([] if matches else ["证件号码与登录的本人不一致，请核对"])
    stored = None
    if matches:
        stored = await photos.store_id_image(session, resident.person_token, data, rgb)
        await session.commit()
        if stored.descriptor_cipher is None:
            warnings.append("未识别到证件人像，人证比对需要完整、清晰的人像面")
    return Prefill(
        name=fields.name,
        sex=fields.sex,
        ethnicity=fields.ethnicity,
        address=fields.address,
        id_masked=pii.mask(fields.id_number, "id_number") if fields.id_number else None,
        matches_resident=matches,
        warnings=warnings,
        id_image_id=stored.photo_id if stored else None,
        portrait_found=bool(stored and stored.descriptor_cipher),
    )


@router.post("/photos/check", response_model=PhotoOk, summary="制卡照片检查")
async def check_photo(request: Request, resident: CurrentResident) -> PhotoOk:
    """JPG/PNG、不超过 1 MiB、不小于 300×300，且只有本人一张人脸。"""
    rgb = images.decode(await _upload(request, "photo", "照片"), images.PHOTO)
    return await _check(rgb)


async def _check(rgb) -> PhotoOk:
    faces, _ = await face.describe_async(rgb, descriptor=False)
    confident = [f for f in faces if f.score >= face.CONFIDENT_SCORE]
    if not faces:
        raise ApiError(422, "NO_FACE", "照片中未检测到人脸，请正对镜头、光线充足后重拍")
    if len(confident) > 1:
        raise ApiError(422, "MULTIPLE_FACES", f"照片中有 {len(confident)} 张人脸，只能有本人一张")
    return PhotoOk(width=rgb.shape[1], height=rgb.shape[0])


@router.post("/photos", response_model=PhotoStored, status_code=201, summary="上传制卡照片")
async def upload_photo(request: Request, session: SessionDep, resident: CurrentResident) -> PhotoStored:
    """检查（格式、大小、尺寸、只有一张人脸）后加密保存，返回照片编号；提交申请时与身份证人像比对。"""
    data = await _upload(request, "photo", "照片")
    row = await photos.store_live(session, resident.person_token, data)
    await session.commit()
    return PhotoStored(width=row.width, height=row.height, photo_id=row.photo_id)
