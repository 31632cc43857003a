"""人脸检测与比对：dlib 的 HOG 人脸检测 + ResNet 人脸特征（模型来自 PyPI 包 face-recognition-models）。

A face becomes a 128-number descriptor; two faces are the same person when the Euclidean distance
of their descriptors is below `MATCH_DISTANCE` (0.6, the threshold the model was trained for; dlib
reports 99.38% on the LFW benchmark with it). Images are scaled so their longer side is
`WORKING_SIDE` pixels (never up) before detection, which bounds the time per image whatever the upload size.
Models load lazily, once per process.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import anyio
import numpy as np
from PIL import Image

MATCH_DISTANCE = 0.6
WORKING_SIDE = 800
MIN_FACE_PIXELS = 60  # a face narrower than this (in the working image) is too small to compare
CONFIDENT_SCORE = 0.3  # detections below this (texture, hands, badges) do not count as a second face
_load_lock = threading.Lock()


@dataclass(frozen=True)
class Face:
    """检测到的一张人脸：在原图中的位置（像素）与检测得分。"""

    left: int
    top: int
    width: int
    height: int
    score: float


@dataclass(frozen=True)
class Comparison:
    """两张人脸的比对结果。"""

    distance: float
    same_person: bool
    similarity: float  # 1 - distance, clipped to [0, 1], for display


@functools.cache
def _models():
    with _load_lock:
        import dlib
        import face_recognition_models as weights

        return (
            dlib.get_frontal_face_detector(),
            dlib.shape_predictor(weights.pose_predictor_five_point_model_location()),
            dlib.face_recognition_model_v1(weights.face_recognition_model_location()),
        )


@functools.cache
def _limiter() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(1)


def _working(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    height, width = rgb.shape[:2]
    scale = min(1.0, WORKING_SIDE / max(height, width))  # never upscale: it invents faces in texture
    if scale > 0.95:
        return np.ascontiguousarray(rgb), 1.0
    size = (round(width * scale), round(height * scale))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR)), scale


def _detect(work: np.ndarray) -> list[tuple[object, float]]:
    detector, _, _ = _models()
    rects, scores, _ = detector.run(work, 0, 0.0)
    found = [(r, s) for r, s in zip(rects, scores, strict=True) if r.width() >= MIN_FACE_PIXELS]
    return sorted(found, key=lambda rs: -rs[0].area())


def describe(rgb: np.ndarray, *, descriptor: bool = True) -> tuple[list[Face], np.ndarray | None]:
    """The faces found (largest first) and the descriptor of the largest (blocking).

    The descriptor is None when there is no face or when `descriptor` is False (photo checks).
    """
    work, scale = _working(rgb)
    found = _detect(work)
    faces = [
        Face(*(round(v / scale) for v in (r.left(), r.top(), r.width(), r.height())), round(s, 3))
        for r, s in found
    ]
    if not found or not descriptor:
        return faces, None
    _, shapes, encoder = _models()
    shape = shapes(work, found[0][0])
    return faces, np.asarray(encoder.compute_face_descriptor(work, shape, 1))


def compare(a: np.ndarray, b: np.ndarray) -> Comparison:
    distance = float(np.linalg.norm(a - b))
    return Comparison(
        round(distance, 4), distance < MATCH_DISTANCE, round(max(0.0, min(1.0, 1 - distance)), 4)
    )


async def describe_async(rgb: np.ndarray, *, descriptor: bool = True) -> tuple[list[Face], np.ndarray | None]:
    """`describe` off the event loop, one image at a time per worker."""
    return await anyio.to_thread.run_sync(
        functools.partial(describe, rgb, descriptor=descriptor), limiter=_limiter()
    )


def warm_up() -> None:
    _models()
