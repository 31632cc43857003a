"""Non-mainland documents and guardians, end to end: the channel's assertion, the resident session, the
application (stored type, the province's AAC058), the H5 form; and the number rules themselves."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest

from services.base.permissions import Role
from services.channels import documents
from tests.channels.photo_support import photo_ids
from tests.channels.registries_support import FOREIGN, HK_PASS, RESIDENCE, TW_PASS
from tests.services.cards_support import CARD_DB
from tests.services.helpers import make_staff, sql
from yikatong import db
from yikatong.ids import check_char

pytestmark = pytest.mark.integration
async_test = pytest.mark.asyncio(loop_scope="session")  # only the async tests: the rule tests are plain
APPS, QUEUE = "/api/v1/channels/applications", "/api/v1/admin/channel-applications"

RULES = [
    ("居民身份证", "11010519491231002X", True),
    ("居民身份证", "110105194912310021", False),
    ("港澳台居民居住证", RESIDENCE, True),
    ("港澳台居民居住证", "11010519491231002X", False),  # not 810000/820000/830000
    ("外国人永久居留身份证", FOREIGN, True),
    ("外国人永久居留身份证", FOREIGN[:-1] + ("0" if FOREIGN[-1] != "0" else "1"), False),
    ("港澳居民来往内地通行证", HK_PASS, True),
    ("港澳居民来往内地通行证", "K12345678", False),
    ("台湾居民来往大陆通行证", TW_PASS, True),
    ("07", "1234567", False),
]


@pytest.mark.parametrize(("kind", "number", "valid"), RULES)
def test_document_number_rules(kind, number, valid):
    verdict = documents.check(kind, number)
    assert verdict.valid is valid and (verdict.reason is None) is valid


async def session_for(client, idp, number: str, name: str, **claims):
    return await client.post(
        "/api/v1/channels/sessions", json={"assertion": idp.assertion(number, name, **claims)}
    )


@async_test
async def test_each_non_mainland_document_opens_a_session(client, channel):
    cases = [
        (HK_PASS, {"doc_type": "港澳居民来往内地通行证", "birth": "1990-05-01"}),
        (TW_PASS, {"doc_type": "07", "birth": "1988-02-29"}),
        (RESIDENCE, {"doc_type": "港澳台居民居住证"}),
        (FOREIGN, {"doc_type": "06"}),
    ]
    for number, claims in cases:
        opened = await session_for(client, channel, number, "陈大文", **claims)
        assert opened.status_code == 201, (number, opened.text)
    kinds = sql("select document_type from channel_resident_session order by created_at")
    assert [k for (k,) in kinds] == ["03", "07", "08", "06"]
    no_birth = await session_for(client, channel, HK_PASS, "陈大文", doc_type="03")
    assert (no_birth.status_code, no_birth.json()["code"]) == (401, "ASSERTION_BIRTH_REQUIRED")
    wrong = await session_for(client, channel, "K1234567", "陈大文", doc_type="03", birth="1990-05-01")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "ASSERTION_ID_INVALID")
    unknown = await session_for(client, channel, HK_PASS, "陈大文", doc_type="护照", birth="1990-05-01")
    assert (unknown.status_code, unknown.json()["code"]) == (401, "ASSERTION_DOCUMENT_UNKNOWN")


@async_test
async def test_a_hong_kong_resident_applies_and_the_province_gets_the_document_type(client, channel):
    opened = await session_for(client, channel, HK_PASS, "陈大文", doc_type="03", birth="1990-05-01")
    resident = {"Authorization": f"Bearer {opened.json()['token']}"}
    form = {"business": "申领", "outlet_code": "511102004001"} | await photo_ids(HK_PASS)
    mismatch = await client.post(
        APPS,
        headers=resident | {"Idempotency-Key": uuid.uuid4().hex},
        json=form | {"document_type": "居民身份证"},
    )
    assert (mismatch.status_code, mismatch.json()["code"]) == (422, "DOCUMENT_MISMATCH")
    sent = await client.post(APPS, headers=resident | {"Idempotency-Key": uuid.uuid4().hex}, json=form)
    assert sent.status_code == 201, sent.text
    assert sent.json()["id_masked"] != HK_PASS
    app_id = sent.json()["application_id"]
    assert (
        sql("select form_public from channel_application")[0][0]["document_type"] == "港澳居民来往内地通行证"
    )
    operator = make_staff("szq_front", Role.OPERATOR, "511102")
    county = make_staff("szq_back", Role.REGION_ADMIN, "511102")
    assert (
        await client.post(f"{QUEUE}/{app_id}/accept", headers=operator.headers, json={})
    ).status_code == 200
    approved = await client.post(f"{QUEUE}/{app_id}/approve", headers=county.headers, json={})
    assert approved.json()["state"] == "已提交省卡管", approved.text
    with db.engine(CARD_DB).connect() as conn:
        row = conn.exec_driver_sql("select aac058 from kgl_apply where aac002 = %s", (HK_PASS,)).first()
    assert row == ("03",)


@async_test
async def test_a_minor_with_a_taiwan_pass_needs_a_valid_guardian(client, channel):
    opened = await session_for(client, channel, TW_PASS, "林小宝", doc_type="07", birth="2016-03-01")
    resident = {"Authorization": f"Bearer {opened.json()['token']}"}

    async def send(**extra):
        body = {"business": "申领", "outlet_code": "511102004001"} | extra
        return await client.post(APPS, headers=resident | {"Idempotency-Key": uuid.uuid4().hex}, json=body)

    alone = await send()
    assert (alone.status_code, alone.json()["code"]) == (422, "GUARDIAN_REQUIRED")
    guardian = {"guardian_id_type": "港澳居民来往内地通行证", "guardian_name": "林大宝"}
    bad = await send(**guardian, guardian_id_number="X1234")
    assert (bad.status_code, bad.json()["code"]) == (422, "GUARDIAN_ID_INVALID")
    assert "H 或 M" in bad.json()["detail"]["reason"]
    teen = RESIDENCE[:6] + "20100101001"
    young = await send(
        guardian_id_type="港澳台居民居住证", guardian_id_number=teen + check_char(teen), guardian_name="林二"
    )
    assert (young.status_code, young.json()["code"]) == (422, "GUARDIAN_NOT_ADULT")
    ok = await send(**guardian, guardian_id_number="M87654321", **await photo_ids(TW_PASS))
    assert ok.status_code == 201, ok.text
    assert (
        sql("select form_public from channel_application")[0][0]["guardian_id_type"]
        == "港澳居民来往内地通行证"
    )


@async_test
async def test_the_h5_form_shows_the_document_and_every_guardian_type(client, channel):
    assertion = channel.assertion(FOREIGN[:6] + "20150315" + "002", "史密斯", doc_type="06")
    entered = await client.get(f"/h5/enter?assertion={quote(assertion)}")
    assert entered.status_code == 401  # 17 characters: not a valid 外国人永久居留身份证 number
    minor = FOREIGN[:6] + "20150315002"
    minor += check_char(minor)
    entered = await client.get(
        f"/h5/enter?assertion={quote(channel.assertion(minor, '史密斯', doc_type='06'))}"
    )
    assert entered.status_code == 303
    client.cookies.set("ykt_resident", entered.cookies["ykt_resident"])
    try:
        page = (await client.get("/h5/apply?business=申领")).text
        assert re.search(r'id="document_type" value="外国人永久居留身份证"', page)
        for kind in documents.CODES:
            assert f"<option>{kind}</option>" in page
        assert 'name="id_image"' in page and 'name="photo"' in page
    finally:
        client.cookies.clear()
