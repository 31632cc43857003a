"""Resident uploads: OCR prefill from a generated ID-card image, the photo check's refusals."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from simulators import id_card_images
from tests.channels.test_applications import login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (235, 235, 235)).save(out, "PNG")
    return out.getvalue()


async def test_the_id_card_image_prefills_the_form(client, channel):
    holder, image = id_card_images.sample(100)
    resident = await login(client, channel, holder.id_number, holder.name)
    read = await client.post(
        "/api/v1/channels/id-card/ocr", headers=resident, files={"image": ("id.jpg", image)}
    )
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["name"] == holder.name and body["matches_resident"] is True
    assert body["id_masked"] != holder.id_number and holder.id_number not in read.text
    other = await login(client, channel, "11010519491231002X", "张三")
    mismatch = await client.post(
        "/api/v1/channels/id-card/ocr", headers=other, files={"image": ("id.jpg", image)}
    )
    assert mismatch.json()["matches_resident"] is False and mismatch.json()["warnings"]


async def test_the_photo_check_refuses_bad_uploads(client, channel):
    resident = await login(client, channel, "11010519491231002X", "张三")
    url = "/api/v1/channels/photos/check"
    not_image = await client.post(url, headers=resident, files={"photo": ("a.jpg", b"%PDF-1.4 not a photo")})
    assert not_image.status_code == 415
    small = await client.post(url, headers=resident, files={"photo": ("a.png", png(120, 120))})
    assert small.status_code == 422
    blank = await client.post(url, headers=resident, files={"photo": ("a.png", png(400, 500))})
    assert (blank.status_code, blank.json()["code"]) == (422, "NO_FACE")
    missing = await client.post(url, headers=resident, files={"other": ("a.png", png(400, 500))})
    assert missing.json()["code"] == "IMAGE_MISSING"
