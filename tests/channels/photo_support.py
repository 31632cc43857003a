"""Uploaded photos for tests that are not about photos: the resident's 制卡照片 and ID image, stored
through `channels.photos` exactly as the upload endpoints store them (faces computed once)."""

from __future__ import annotations

import functools
import io
import random

import numpy as np
from PIL import Image

from services.base import db
from services.capabilities import face
from services.channels import photos
from simulators import id_card_images
from tests.capabilities.face_samples import load, retake
from yikatong import pii


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


@functools.cache
def live_photo(name: str = "obama.jpg") -> bytes:
    return jpeg(retake(load(name, max_side=900), seed=5))


def id_image(id_number: str, name: str, portrait: str = "obama2.jpg") -> bytes:
    """A photographed ID card of `id_number` / `name` with a sample face in its photo box."""
    holder = id_card_images.make_holder(random.Random(id_number))
    holder = id_card_images.IdCardHolder(**holder.fields() | {"id_number": id_number, "name": name})
    card = id_card_images.render(holder, portrait=load(portrait, max_side=500), seed=1)
    return id_card_images.jpeg_bytes(id_card_images.photograph(card, seed=1))


@functools.cache
def _decoded(kind: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    data = live_photo() if kind == photos.LIVE else jpeg(load("obama2.jpg", max_side=600))
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    return data, rgb, face.describe(rgb)[1]


async def photo_ids(id_number: str) -> dict[str, str]:
    """`photo_id` and `id_image_id` of a matching pair owned by `id_number`, for the application form."""
    token = pii.protector().token(id_number, "id_number")
    ids = {}
    async with db.sessionmaker()() as session:
        for kind, field in ((photos.LIVE, "photo_id"), (photos.ID_IMAGE, "id_image_id")):
            data, rgb, vector = _decoded(kind)
            ids[field] = (await photos.store(session, token, kind, data, rgb, vector, 1)).photo_id
        await session.commit()
    return ids
