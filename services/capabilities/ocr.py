"""文字识别引擎：rapidocr-onnxruntime（轮子内置中文 PP-OCRv4 模型，离线可用），每个进程加载一次。

The engine loads lazily on first use (about a second) and is shared by the worker's requests; a
capacity limiter of one per worker keeps concurrent OCR calls from oversubscribing the CPU
(each call runs onnxruntime on one thread; the API's workers use the other cores).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import anyio
import numpy as np

_load_lock = threading.Lock()


@dataclass(frozen=True)
class TextBox:
    """一行识别结果：左上角、行高、文字、置信度。"""

    x: float
    y: float
    height: float
    text: str
    score: float


@functools.cache
def _engine():
    with _load_lock:
        from rapidocr_onnxruntime import RapidOCR

        # limit_type "max": never upscale a phone photo before detection (upscaling cost 2x, no gain);
        # detection on a longest side of 736 and one thread per call: 12 generated ID cards read
        # 64/66 fields right at 960/2 threads and at 736/1 thread, the latter faster on a busy machine
        return RapidOCR(det_limit_type="max", det_limit_side_len=736, intra_op_num_threads=1)


@functools.cache
def _limiter() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(1)


def read_text(rgb: np.ndarray) -> list[TextBox]:
    """Every text line in the image (blocking; CPU-bound)."""
    result, _ = _engine()(rgb[:, :, ::-1], use_cls=False)  # RapidOCR expects BGR like OpenCV
    boxes = []
    for corners, text, score in result or []:
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        boxes.append(TextBox(min(xs), min(ys), max(ys) - min(ys), text, float(score)))
    return boxes


async def read_text_async(rgb: np.ndarray) -> list[TextBox]:
    """`read_text` off the event loop, one image at a time per worker."""
    return await anyio.to_thread.run_sync(read_text, rgb, limiter=_limiter())


def warm_up() -> None:
    """Load the models now (e.g. before a benchmark) rather than on the first request."""
    _engine()
