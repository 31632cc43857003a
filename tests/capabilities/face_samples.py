"""Real face photographs for the face-comparison tests, taken only from published packages.

- scikit-image ships `astronaut` (astronaut Eileen Collins, NASA, public domain) in its wheel;
- the source distribution of `face_recognition` 1.3.0 on PyPI (MIT) ships test photographs of
  Barack Obama (five) and Joe Biden (one). `make test` fetches it once, at set-up, with the
  registry's ordinary client (`pip download`, run as ``python tests/capabilities/face_samples.py``)
  into `var/cache/face-samples/`; nothing is committed and no test downloads anything.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

CACHE = Path(__file__).resolve().parents[2] / "var" / "cache" / "face-samples"
PACKAGE = "face_recognition==1.3.0"
OBAMA = ("obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg")
BIDEN = ("biden.jpg",)


def _fetch() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            PACKAGE,
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            tmp,
            "-q",
        ]
        subprocess.run(command, check=True, timeout=300)
        archive = next(Path(tmp).glob("face_recognition-*.tar.gz"))
        CACHE.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.name.endswith(OBAMA + BIDEN) and "/tests/test_images/" in member.name:
                    (CACHE / Path(member.name).name).write_bytes(tar.extractfile(member).read())


def photo_dir() -> Path:
    missing = [name for name in OBAMA + BIDEN if not (CACHE / name).exists()]
    if missing:
        raise FileNotFoundError(f"face samples missing in {CACHE}: {missing}; run `make test-data`")
    return CACHE


def load(name: str, max_side: int = 1000) -> Image.Image:
    """A sample photo as RGB (scaled down so uploads stay under the size limit)."""
    if name == "astronaut":
        from skimage import data

        image = Image.fromarray(data.astronaut())
    else:
        image = Image.open(photo_dir() / name).convert("RGB")
    image.thumbnail((max_side, max_side))
    return image


def retake(image: Image.Image, seed: int) -> Image.Image:
    """Another "photo" of the same face: mirrored, re-lit and re-framed (as a live photo would be)."""
    rng = np.random.default_rng(seed)
    out = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    out = ImageEnhance.Brightness(out).enhance(float(rng.uniform(0.75, 1.25)))
    out = ImageEnhance.Contrast(out).enhance(float(rng.uniform(0.8, 1.2)))
    w, h = out.size
    dx, dy = int(w * rng.uniform(0, 0.06)), int(h * rng.uniform(0, 0.06))
    return out.crop((dx, dy, w - dx, h - dy))


if __name__ == "__main__":  # `make test-data`
    _fetch()
