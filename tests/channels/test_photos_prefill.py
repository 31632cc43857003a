"""The online application's photos (stored encrypted, live photo against the ID portrait) and the smart
form prefilled from the holder and insurance databases, with the insurance eligibility refusals."""

from __future__ import annotations

import pytest

from services.channels import registries
from tests.channels import registries_support
from tests.channels.photo_support import id_image, live_photo, photo_ids
from tests.channels.test_applications import APPS, key, login
from tests.services.cards_support import person
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
OUTLET = "511102004001"


async def test_photos_are_stored_encrypted_and_compared_on_submission(client, channel):
    resident = await login(client, channel, person(211), "冯照片")
    read = await client.post(
        "/api/v1/channels/id-card/ocr",
        headers=resident,
        files={"image": ("id.jpg", id_image(person(211), "冯照片"))},
    )
    assert read.status_code == 200, read.text
    assert read.json()["matches_resident"] and read.json()["portrait_found"]
    id_image_id = read.json()["id_image_id"]
    stranger = await client.post(
        "/api/v1/channels/photos", headers=resident, files={"photo": ("me.jpg", live_photo("biden.jpg"))}
    )
    mine = await client.post(
        "/api/v1/channels/photos", headers=resident, files={"photo": ("me.jpg", live_photo())}
    )
    assert mine.status_code == 201 and stranger.status_code == 201, mine.text
    stored = sql("select kind, size_bytes, content_cipher, descriptor_cipher is not null from channel_photo")
    assert len(stored) == 3 and all(row[3] for row in stored)
    assert all(b"\xff\xd8" not in row[2].encode() and "JFIF" not in row[2] for row in stored)
    form = {"business": "申领", "outlet_code": OUTLET, "id_image_id": id_image_id}
    refused = await client.post(
        APPS, headers=resident | key(), json=form | {"photo_id": stranger.json()["photo_id"]}
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "FACE_MISMATCH")
    assert refused.json()["detail"]["distance"] >= 0.6
    assert sql("select count(*) from channel_application") == [(0,)]
    missing = await client.post(APPS, headers=resident | key(), json={"business": "申领"})
    assert (missing.status_code, missing.json()["code"]) == (422, "PHOTO_REQUIRED")
    accepted = await client.post(
        APPS, headers=resident | key(), json=form | {"photo_id": mine.json()["photo_id"]}
    )
    assert accepted.status_code == 201, accepted.text
    app_id = accepted.json()["application_id"]
    assert sql("select count(*) from channel_photo where application_id = :a", a=app_id) == [(2,)]
    distance = sql("select form_public from channel_application")[0][0]["face_distance"]
    assert distance < 0.6
    assert sql("select count(*) from channel_outbox") == [(1,)]


async def test_someone_elses_photo_is_not_found(client, channel):
    owner_ids = await photo_ids(person(212))
    other = await login(client, channel, person(213), "陈别人")
    answer = await client.post(APPS, headers=other | key(), json={"business": "申领"} | owner_ids)
    assert (answer.status_code, answer.json()["code"]) == (422, "PHOTO_NOT_FOUND")


async def test_the_form_is_prefilled_from_the_holder_and_insurance_databases(client, channel):
    holder = await login(client, channel, person(101), "王小明")
    answer = await client.get("/api/v1/channels/prefill", headers=holder)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["address"] == "四川省乐山市市中区张公桥1号" and body["postcode"] == "614000"
    assert body["phone_masked"] == "139****5678" and "13912345678" not in answer.text
    assert body["insured"] and body["enrolled"]
    assert body["enrolments"] == [
        {"scheme": "城乡居民基本医疗保险", "state": "参保缴费", "region_code": "511102", "since": "20200101"}
    ]
    assert [c["card_no"] for c in body["cards"]] == ["T00000101"] and body["suggested"] != "申领"
    assert body["unavailable"] == [] and body["minor"] is False
    newcomer = await login(client, channel, person(214), "林新人")
    fresh = (await client.get("/api/v1/channels/prefill", headers=newcomer)).json()
    assert fresh["suggested"] == "申领" and fresh["cards"] == [] and fresh["phone_masked"] == "138****8000"


async def test_the_phone_on_file_fills_an_empty_phone(client, channel):
    resident = await login(client, channel, person(215), "韩电话")
    form = {"business": "申领", "outlet_code": OUTLET} | await photo_ids(person(215))
    assert (await client.post(APPS, headers=resident | key(), json=form)).status_code == 201
    stored = sql("select form_cipher from channel_application")[0][0]
    assert "13800138000" not in stored  # kept, but only inside the ciphertext


INSURANCE_REFUSALS = [
    (registries_support.NOT_REGISTERED, 409, "NOT_INSURED"),
    (registries_support.TERMINATED, 409, "INSURANCE_NOT_ACTIVE"),
]


@pytest.mark.parametrize(("who", "status", "code"), INSURANCE_REFUSALS, ids=["not-insured", "terminated"])
async def test_insurance_refusals(client, channel, who, status, code):
    resident = await login(client, channel, who, "刘参保")
    for business in ("申领", "换卡"):
        answer = await client.post(APPS, headers=resident | key(), json={"business": business})
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        assert answer.json()["message"]
    assert sql("select count(*) from channel_application") == [(0,)]


async def test_an_unreachable_insurance_database_refuses_without_writing(client, channel, monkeypatch):
    resident = await login(client, channel, person(216), "郑断线")
    monkeypatch.setattr(registries.sources(), "insurance_database", "src_insurance_missing_h6")
    answer = await client.post(APPS, headers=resident | key(), json={"business": "申领"})
    assert (answer.status_code, answer.json()["code"]) == (503, "INSURANCE_UNAVAILABLE")
    prefill = (await client.get("/api/v1/channels/prefill", headers=resident)).json()
    assert prefill["unavailable"] == ["全民参保库"] and prefill["insured"] is False
    assert sql("select count(*) from channel_application") == [(0,)]
