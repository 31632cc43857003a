"""密钥服务与合作系统认证：数据密钥的生成与解包、SM2 签名与验签、停用、签名请求的各种拒绝。"""

from __future__ import annotations

import base64

import pytest

from services.capabilities import sweeper
from services.capabilities.partner_auth import sign_headers
from tests.capabilities.conftest import register_partner, signed
from tests.services.helpers import make_staff, sql
from yikatong.crypto import sm2_verify

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
KEYS = "/api/v1/capabilities/keys"
ASK = "/api/v1/capabilities/qa/ask"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_data_key_round_trip_and_ownership(client, partner, sysadmin):
    created = await signed(client, partner, "POST", f"{KEYS}/data-keys")
    assert created.status_code == 201, created.text
    key = created.json()
    assert len(key["key"]) == 32 and key["wrapped_key"].startswith(key["key_id"] + ".")
    assert key["key"] not in sql("select wrapped from capability_key")[0][0]
    unwrapped = await signed(
        client, partner, "POST", f"{KEYS}/data-keys/unwrap", json={"wrapped_key": key["wrapped_key"]}
    )
    assert unwrapped.status_code == 200 and unwrapped.json()["key"] == key["key"]

    other = await register_partner(client, sysadmin, "zls", ["keys"])
    stolen = await signed(
        client, other, "POST", f"{KEYS}/data-keys/unwrap", json={"wrapped_key": key["wrapped_key"]}
    )
    assert stolen.status_code == 404 and stolen.json()["code"] == "NOT_FOUND"
    tampered = key["wrapped_key"][:-4] + ("AAAA" if not key["wrapped_key"].endswith("AAAA") else "BBBB")
    bad = await signed(client, partner, "POST", f"{KEYS}/data-keys/unwrap", json={"wrapped_key": tampered})
    assert bad.status_code == 422 and bad.json()["code"] == "KEY_UNWRAP_FAILED"

    retired = await signed(client, partner, "POST", f"{KEYS}/{key['key_id']}/retire")
    assert retired.status_code == 200 and retired.json()["status"] == "停用"
    after = await signed(
        client, partner, "POST", f"{KEYS}/data-keys/unwrap", json={"wrapped_key": key["wrapped_key"]}
    )
    assert after.status_code == 409 and after.json()["code"] == "KEY_RETIRED"
    actions = [
        r[0]
        for r in sql("select action from audit_log where actor = 'tfth' and result = '成功' order by seq")
    ]
    assert actions == ["capability.key.create", "capability.key.unwrap", "capability.key.retire"]


async def test_sm2_sign_and_verify(client, partner):
    created = await signed(client, partner, "POST", f"{KEYS}/sm2-keys")
    assert created.status_code == 201, created.text
    key_id, public = created.json()["key_id"], created.json()["public_key"]
    message = "乐山市社保卡数据交换".encode()
    sig = await signed(client, partner, "POST", f"{KEYS}/sm2-keys/{key_id}/sign", json={"data": b64(message)})
    assert sig.status_code == 200, sig.text
    signature = base64.b64decode(sig.json()["signature"])
    assert sm2_verify(public, message, signature)  # verifiable anywhere with the public key
    body = {"public_key": public, "data": b64(message), "signature": sig.json()["signature"]}
    assert (await signed(client, partner, "POST", f"{KEYS}/sm2/verify", json=body)).json() == {"valid": True}
    body["data"] = b64(message + b"!")
    assert (await signed(client, partner, "POST", f"{KEYS}/sm2/verify", json=body)).json() == {"valid": False}
    fetched = await signed(client, partner, "GET", f"{KEYS}/sm2-keys/{key_id}")
    assert fetched.status_code == 200 and fetched.json()["public_key"] == public
    assert "private" not in fetched.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"public_key": "0" * 128, "data": "YQ==", "signature": "MEUCIQ=="}, "PUBLIC_KEY_INVALID"),
        ({"public_key": "ab" * 64, "data": "not base64!", "signature": "MEUCIQ=="}, "BASE64_INVALID"),
        ({"public_key": "ab" * 64, "data": "YQ==", "signature": "MEUCIQ==", "extra": 1}, "VALIDATION_ERROR"),
    ],
)
async def test_verify_refuses_bad_input(client, partner, body, code):
    response = await signed(client, partner, "POST", f"{KEYS}/sm2/verify", json=body)
    assert response.status_code == 422 and response.json()["code"] == code


async def test_unknown_and_malformed_keys(client, partner):
    missing = await signed(
        client, partner, "POST", f"{KEYS}/sm2-keys/sm2-{'0' * 24}/sign", json={"data": "YQ=="}
    )
    assert missing.status_code == 404
    malformed = await signed(
        client, partner, "POST", f"{KEYS}/data-keys/unwrap", json={"wrapped_key": "x" * 20}
    )
    assert malformed.status_code == 422 and malformed.json()["code"] == "KEY_UNWRAP_FAILED"
    assert sql("select count(*) from capability_key")[0][0] == 0


class TestSignedRequests:
    async def test_missing_and_malformed_headers(self, client, partner):
        none = await client.post(ASK, json={"question": "社保卡"})
        assert none.status_code == 401 and none.json()["code"] == "SIGNATURE_MISSING"
        headers = sign_headers(partner.partner_id, partner.secret, "POST", ASK, b"{}") | {"X-Nonce": "short"}
        malformed = await client.post(ASK, content=b"{}", headers=headers)
        assert malformed.status_code == 401 and malformed.json()["code"] == "SIGNATURE_MALFORMED"

    async def test_wrong_secret_body_or_unknown_partner(self, client, partner):
        body = b'{"question": "\\u793e\\u4fdd\\u5361"}'
        wrong = sign_headers(partner.partner_id, "ab" * 32, "POST", ASK, body)
        response = await client.post(ASK, content=body, headers=wrong | {"Content-Type": "application/json"})
        assert response.status_code == 401 and response.json()["code"] == "SIGNATURE_INVALID"
        swapped = sign_headers(partner.partner_id, partner.secret, "POST", ASK, b'{"question": "x"}')
        response = await client.post(
            ASK, content=body, headers=swapped | {"Content-Type": "application/json"}
        )
        assert response.status_code == 401 and response.json()["code"] == "SIGNATURE_INVALID"
        unknown = sign_headers("nobody", partner.secret, "POST", ASK, body)
        response = await client.post(
            ASK, content=body, headers=unknown | {"Content-Type": "application/json"}
        )
        assert response.status_code == 401 and response.json()["code"] == "PARTNER_UNKNOWN"

    async def test_replay_and_stale_timestamp(self, client, partner):
        body = '{"question": "社保卡丢了"}'.encode()
        headers = sign_headers(partner.partner_id, partner.secret, "POST", ASK, body) | {
            "Content-Type": "application/json"
        }
        assert (await client.post(ASK, content=body, headers=headers)).status_code == 200
        replay = await client.post(ASK, content=body, headers=headers)
        assert replay.status_code == 409 and replay.json()["code"] == "NONCE_REPLAYED"
        headers["X-Timestamp"] = str(int(headers["X-Timestamp"]) - 3600)
        stale = await client.post(ASK, content=body, headers=headers)
        assert stale.status_code == 401 and stale.json()["code"] == "SIGNATURE_EXPIRED"

    async def test_deactivated_partner_and_reissued_secret(self, client, partner, sysadmin):
        reissued = await client.post(
            f"/api/v1/admin/partners/{partner.partner_id}/credential", headers=sysadmin.headers
        )
        assert reissued.status_code == 200
        old = await signed(client, partner, "POST", ASK, json={"question": "社保卡"})
        assert old.status_code == 401 and old.json()["code"] == "SIGNATURE_INVALID"
        partner.secret = reissued.json()["secret"]
        assert (await signed(client, partner, "POST", ASK, json={"question": "社保卡"})).status_code == 200
        off = await client.post(
            f"/api/v1/admin/partners/{partner.partner_id}/deactivate", headers=sysadmin.headers
        )
        assert off.status_code == 200 and off.json()["status"] == "停用"
        refused = await signed(client, partner, "POST", ASK, json={"question": "社保卡"})
        assert refused.status_code == 403 and refused.json()["code"] == "PARTNER_DISABLED"

    async def test_expired_nonces_are_swept(self, client, partner):
        assert (await signed(client, partner, "POST", ASK, json={"question": "社保卡"})).status_code == 200
        assert await sweeper.sweep() == 0  # still inside its window
        sql("update capability_nonce set expires_at = now() - interval '1 minute'")
        assert await sweeper.sweep() == 1 and sql("select count(*) from capability_nonce")[0][0] == 0


class TestPartnerRegistry:
    async def test_registration_rules(self, client, sysadmin):
        body = {
            "partner_id": "wx-gzh",
            "name": "乐山人社微信公众号",
            "region_code": "511100",
            "scopes": ["qa", "ocr"],
        }
        created = await client.post("/api/v1/admin/partners", headers=sysadmin.headers, json=body)
        assert created.status_code == 201 and created.json()["scopes"] == ["ocr", "qa"]
        assert len(created.json()["credential"]["secret"]) == 64
        assert (
            created.json()["credential"]["secret"]
            not in sql("select credential from capability_partner")[0][0]
        )
        again = await client.post("/api/v1/admin/partners", headers=sysadmin.headers, json=body)
        assert again.status_code == 409 and again.json()["code"] == "PARTNER_EXISTS"
        bad_scope = await client.post(
            "/api/v1/admin/partners",
            headers=sysadmin.headers,
            json=body | {"partner_id": "p22", "scopes": ["x"]},
        )
        assert bad_scope.status_code == 422 and "未知的能力" in bad_scope.json()["detail"][0]["message"]
        listed = await client.get("/api/v1/admin/partners", headers=sysadmin.headers)
        assert listed.json()["total"] == 1

    async def test_region_scope_and_permissions(self, client, sysadmin):
        county = make_staff("szq_sys", sysadmin.role, "511102")
        body = {"partner_id": "emei-app", "name": "峨眉山市 App", "region_code": "511181", "scopes": ["qa"]}
        outside = await client.post("/api/v1/admin/partners", headers=county.headers, json=body)
        assert outside.status_code == 422 and outside.json()["code"] == "REGION_OUT_OF_SCOPE"
        assert (
            await client.post("/api/v1/admin/partners", headers=sysadmin.headers, json=body)
        ).status_code == 201
        assert (await client.get("/api/v1/admin/partners", headers=county.headers)).json()["total"] == 0
        hidden = await client.post("/api/v1/admin/partners/emei-app/deactivate", headers=county.headers)
        assert hidden.status_code == 404
        from services.base.permissions import Role

        secadmin = make_staff("secadmin", Role.SECURITY_ADMIN, "511100")
        assert (await client.get("/api/v1/admin/partners", headers=secadmin.headers)).status_code == 403
