"""平台能力接口（合作系统以 HMAC-SM3 签名调用）：证件识别、照片检查、人证比对、智能问答。

`/api/v1/capabilities/ocr/id-card`, `/face/check`, `/face/compare` take `multipart/form-data`
(the signature covers the raw body); `/qa/ask` takes JSON. Uploads are checked by `images` before
any model runs; models load once per worker on first use.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ApiError
from services.capabilities import face, id_card, images, ocr
from services.capabilities.partner_auth import capability
from services.capabilities.schemas import FaceCompareOut, FaceOut, IdCardOut, PhotoCheckOut
from services.knowledge import repository as knowledge
from services.knowledge import service as qa
from services.knowledge.schemas import Answer, AskIn

router = APIRouter(prefix="/api/v1/capabilities", tags=["平台能力"], responses=COMMON_RESPONSES)
UPLOAD_ERRORS = {
    413: {"description": "图片过大"},
    415: {"description": "不是 JPG/PNG 图片"},
}


def _multipart(*fields: str) -> dict:
    properties = {name: {"type": "string", "format": "binary"} for name in fields}
    schema = {"type": "object", "properties": properties, "required": list(fields)}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


async def _upload(request: Request, field: str, label: str) -> bytes:
    form = await request.form(max_files=2, max_fields=4)
    part = form.get(field)
    if not isinstance(part, UploadFile):
        raise ApiError(422, "IMAGE_MISSING", f"缺少{label}（表单字段 {field}）")
    return await part.read()


def _face(found: face.Face) -> FaceOut:
    return FaceOut(**vars(found))


def _exactly_one(faces: list[face.Face], label: str) -> face.Face:
    if not faces:
        raise ApiError(422, "NO_FACE", f"{label}中未检测到人脸，请正对镜头、光线充足后重拍")
    confident = sum(f.score >= face.CONFIDENT_SCORE for f in faces)  # faint detections are not people
    if confident > 1:
        raise ApiError(
            422, "MULTIPLE_FACES", f"{label}中有 {confident} 张人脸，只能有本人一张", {"faces": confident}
        )
    return faces[0]


@router.post(
    "/ocr/id-card",
    response_model=IdCardOut,
    summary="身份证人像面识别",
    dependencies=[capability("ocr", "capability.ocr.id_card")],
    openapi_extra=_multipart("image"),
    responses=UPLOAD_ERRORS,
)
async def ocr_id_card(request: Request, session: SessionDep, audit: AuditDep) -> IdCardOut:
    """上传身份证人像面照片（字段 `image`，JPG/PNG），返回姓名、性别、民族、出生、住址、公民身份号码。"""
    rgb = images.decode(await _upload(request, "image", "身份证图片"), images.ID_CARD)
    fields = id_card.parse(await ocr.read_text_async(rgb))
    if fields.id_number is None and fields.name is None:
        raise ApiError(422, "NOT_AN_ID_CARD", "未识别到身份证人像面信息，请拍摄完整、清晰的人像面")
    await audit.commit(session, detail={"fields_found": fields.found(), "warnings": len(fields.warnings)})
    return IdCardOut(**vars(fields))


@router.post(
    "/face/check",
    response_model=PhotoCheckOut,
    summary="照片检查（格式、大小、尺寸、唯一人脸）",
    dependencies=[capability("face", "capability.face.check")],
    openapi_extra=_multipart("photo"),
    responses=UPLOAD_ERRORS,
)
async def check_photo(request: Request, session: SessionDep, audit: AuditDep) -> PhotoCheckOut:
    """检查申领照片（字段 `photo`）：JPG/PNG、不超过上限、至少 300×300 像素、画面中恰好一张人脸。"""
    rgb = images.decode(await _upload(request, "photo", "照片"), images.PHOTO)
    faces, _ = await face.describe_async(rgb, descriptor=False)
    found = _exactly_one(faces, "照片")
    await audit.commit(session, detail={"faces": 1})
    return PhotoCheckOut(width=rgb.shape[1], height=rgb.shape[0], face=_face(found))


@router.post(
    "/face/compare",
    response_model=FaceCompareOut,
    summary="人证比对",
    dependencies=[capability("face", "capability.face.compare")],
    openapi_extra=_multipart("live", "reference"),
    responses=UPLOAD_ERRORS,
)
async def compare_faces(request: Request, session: SessionDep, audit: AuditDep) -> FaceCompareOut:
    """比对现场照片（`live`，须恰好一张人脸）与证件照或身份证人像面（`reference`，取最大的人脸）。"""
    live = images.decode(await _upload(request, "live", "现场照片"), images.PHOTO)
    reference = images.decode(await _upload(request, "reference", "证件照片"), images.PHOTO)
    live_faces, live_vector = await face.describe_async(live)
    live_face = _exactly_one(live_faces, "现场照片")
    ref_faces, ref_vector = await face.describe_async(reference)
    if ref_vector is None:
        raise ApiError(422, "NO_FACE", "证件照片中未检测到人脸")
    result = face.compare(live_vector, ref_vector)
    await audit.commit(session, detail={"same_person": result.same_person, "distance": result.distance})
    return FaceCompareOut(
        same_person=result.same_person,
        distance=result.distance,
        similarity=result.similarity,
        threshold=face.MATCH_DISTANCE,
        live_face=_face(live_face),
        reference_face=_face(ref_faces[0]),
    )


@router.post("/qa/ask", response_model=Answer, summary="智能问答", dependencies=[capability("qa")])
async def ask(body: AskIn, session: SessionDep) -> Answer:
    """用中文提问社保卡相关政策，返回答案及其引用的知识条目；未找到时给出建议和相关条目。"""
    index = await knowledge.current_index(session)
    return qa.ask(index, body.question, body.limit)
