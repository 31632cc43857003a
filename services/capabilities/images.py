"""上传图片的校验：大小、格式（只收 JPG、PNG，按文件头判断）、尺寸、是否损坏；通过后解码为 RGB。

Everything is checked before any model sees the pixels, and every refusal is a 4xx with a Chinese
message: empty (422), larger than the limit (413), not a JPG/PNG whatever its name says (415),
truncated or corrupt (422), too small or too large in pixels (422, which also stops decompression
bombs before decoding).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from services.base.errors import ApiError
from yikatong.settings import get_settings

_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
MAX_SIDE = 6000


@dataclass(frozen=True)
class Limits:
    """一类图片的尺寸要求（像素）。"""

    min_width: int
    min_height: int
    label: str


ID_CARD = Limits(400, 250, "身份证图片")
PHOTO = Limits(300, 300, "照片")


def max_bytes() -> int:
    """Per image: half the request limit, so a live photo and an ID image fit in one request."""
    return get_settings().upload_max_bytes // 2


def _refuse(status: int, code: str, message: str, detail: object = None) -> ApiError:
    return ApiError(status, code, message, detail)


def decode(data: bytes, limits: Limits) -> np.ndarray:
    """The image as an RGB array (EXIF orientation applied), or a 4xx `ApiError`."""
    limit = max_bytes()
    if not data:
        raise _refuse(422, "IMAGE_EMPTY", f"{limits.label}为空")
    if len(data) > limit:
        raise _refuse(413, "IMAGE_TOO_LARGE", f"{limits.label}过大（上限 {limit // 1024} KB）")
    kind = next((k for magic, k in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise _refuse(415, "IMAGE_UNSUPPORTED", f"{limits.label}格式不支持，仅支持 JPG、PNG")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise _refuse(422, "IMAGE_DIMENSIONS", f"{limits.label}尺寸过大（不超过 {MAX_SIDE} 像素）")
            image.load()
    except ApiError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombWarning):
        raise _refuse(422, "IMAGE_CORRUPT", f"{limits.label}已损坏或无法解码") from None
    if width < limits.min_width or height < limits.min_height:
        raise _refuse(
            422,
            "IMAGE_DIMENSIONS",
            f"{limits.label}尺寸过小（至少 {limits.min_width}×{limits.min_height} 像素）",
            {"width": width, "height": height},
        )
    return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
