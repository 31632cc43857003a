"""The face model's answers for the channel tests, computed once per distinct image.

The channel tests send the same few sample photographs many times (each application, each kiosk
request): the platform decodes them the same way every time, so the same pixels reach
`face.describe` again and again. `memoised(describe)` wraps the real function: the first call for a
given image (pixels, shape, `descriptor`) runs dlib as usual; later calls answer the same faces and a
copy of the same descriptor. Every request still goes through decoding, limits, detection results and
the comparison; only the repeated inference on identical pixels is skipped.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import numpy as np

Describe = Callable[..., tuple[list, np.ndarray | None]]


def memoised(describe: Describe) -> Describe:
    answers: dict[tuple, tuple[list, np.ndarray | None]] = {}

    @functools.wraps(describe)
    def cached(rgb: np.ndarray, *, descriptor: bool = True):
        pixels = np.ascontiguousarray(rgb)
        key = (
            pixels.shape,
            str(pixels.dtype),
            hashlib.blake2b(pixels.data, digest_size=16).digest(),
            descriptor,
        )
        if key not in answers:
            answers[key] = describe(rgb, descriptor=descriptor)
        faces, vector = answers[key]
        return list(faces), None if vector is None else vector.copy()

    cached.answers = answers  # type: ignore[attr-defined]
    return cached
