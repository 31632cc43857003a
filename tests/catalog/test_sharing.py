"""Scheduled sharing end to end: grants → masked, signed export → the exchange receiver (simulator,
through HTTP) → receipt; 不予开放 never leaves (scan); tampering is refused; reruns are byte-identical
and deliver nothing twice."""

from __future__ import annotations

import base64
import json
import re

import httpx
import pytest
from sqlalchemy.orm import Session

from services.catalog import deliver, export, signing
from simulators import exchange_receiver
from tests.catalog.conftest import DS, IDS, entry_id, grant
from tests.services.helpers import TEST_DB, sql
from yikatong import db
from yikatong.crypto import sm3_hex

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
API = "/api/v1/admin/catalog"
ID_LIKE = re.compile(r"\d{17}[\dX]")


def export_day(root=None) -> list[export.ExportResult]:
    with Session(db.engine(TEST_DB)) as session:
        return export.export_day(session, DS, root=root)


@pytest.fixture
def receiver(tmp_path):
    _, public = signing.keypair()
    app = exchange_receiver.create_app(tmp_path / "received", {"YKT": public})
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://exchange")


@pytest.fixture
async def granted(client, synced, steward, analyst):
    """WJW: contacts (name, phone, id_number, address); YBJ: the person day's tokens and masks."""
    g1 = await grant(
        client, steward, analyst, "gold.resident_contact", ["name", "phone", "id_number", "address"]
    )
    g2 = await grant(
        client,
        steward,
        analyst,
        "silver.person",
        ["id_masked", "name_masked", "ethnicity", "region_code"],
        "YBJ",
    )
    return g1, g2


async def test_a_day_is_exported_masked_signed_and_delivered(client, granted, receiver):
    results = {r.department: r for r in export_day()}
    assert set(results) == {"WJW", "YBJ"}
    wjw = results["WJW"]
    text = (wjw.folder / wjw.manifest["files"][0]["file"]).read_text(encoding="utf-8")
    assert text.splitlines()[0] == '"name","phone","id_number","address"'
    assert "138****8000" in text and "张*" in text and "四川省乐山市市中区****" in text
    assert not any(i in text for i in IDS) and "13800138000" not in text
    ybj = results["YBJ"].manifest
    assert ybj["files"][0]["rows"] == 4  # the day's rows only (two belong to the day before)
    outcomes = await deliver.deliver_all(list(results.values()), DS, receiver)
    assert [o.status for o in outcomes] == ["已交付", "已交付"]
    receipts = (await receiver.get("/exchange/v1/deliveries")).json()
    assert {(r["department"], r["rows"]) for r in receipts} == {("WJW", 3), ("YBJ", 4)}
    assert sql("select department, manifest_sm3 from catalog_delivery order by department") == [
        ("WJW", sm3_hex(wjw.manifest_bytes)),
        ("YBJ", sm3_hex(results["YBJ"].manifest_bytes)),
    ]
    assert sql("select count(*) from audit_log where action = 'catalog.share.deliver'")[0][0] == 2


async def test_closed_items_appear_in_no_export(client, granted, steward):
    item = await entry_id(client, steward.headers, "resource.身份证")
    await client.patch(f"{API}/entries/{item}", headers=steward.headers, json={"openness": "不予开放"})
    results = export_day()
    scanned = 0
    for result in results:
        for entry in result.manifest["files"]:
            data = (result.folder / entry["file"]).read_text(encoding="utf-8")
            header = data.splitlines()[0]
            assert "id_number" not in header and "id_masked" not in header and "id_token" not in header
            assert not ID_LIKE.search(data), f"an ID number left in {entry['file']}"
            assert "cipher" not in data
            scanned += 1
    assert scanned == 2
    assert all("id_number" not in f["columns"] for r in results for f in r.manifest["files"])


async def test_rerun_is_byte_identical_and_delivers_nothing_twice(client, granted, receiver, tmp_path):
    first = export_day()
    before = {p.name: p.read_bytes() for r in first for p in r.folder.iterdir()}
    await deliver.deliver_all(first, DS, receiver)
    again = export_day()
    after = {p.name: p.read_bytes() for r in again for p in r.folder.iterdir()}
    assert after == before
    elsewhere = export_day(tmp_path / "fresh")  # a rebuild from scratch gives the same bytes
    assert {p.name: p.read_bytes() for r in elsewhere for p in r.folder.iterdir()} == before
    outcomes = await deliver.deliver_all(again, DS, receiver)
    assert [o.status for o in outcomes] == ["已交付过（跳过）", "已交付过（跳过）"]
    assert len((await receiver.get("/exchange/v1/deliveries")).json()) == 2
    assert sql("select count(*) from catalog_delivery")[0][0] == 2
    # the exchange itself is idempotent too: the same manifest again is acknowledged, not stored twice
    direct = await deliver._upload(receiver, again[0])
    assert direct["duplicate"] is True


def _parts(result: export.ExportResult, files: dict[str, bytes] | None = None, manifest: bytes | None = None):
    files = files or {f["file"]: (result.folder / f["file"]).read_bytes() for f in result.manifest["files"]}
    parts = [("manifest", ("manifest.json", manifest or result.manifest_bytes, "application/json"))]
    return parts + [("files", (name, data, "text/csv")) for name, data in files.items()]


async def test_the_receiver_refuses_tampered_deliveries(client, granted, receiver):
    result = next(r for r in export_day() if r.department == "WJW")
    name = result.manifest["files"][0]["file"]
    original = (result.folder / name).read_bytes()
    tampered = original.replace(b"138****8000", b"13800138000")
    cases = {
        "CHECKSUM_MISMATCH": _parts(result, {name: tampered}),
        "FILES_MISMATCH": _parts(result, {name: original, "extra.csv": b"a\n1\n"}),
    }
    forged = json.loads(result.manifest_bytes)
    forged["files"][0]["sm3"] = sm3_hex(tampered)  # the checksum fixed up, the signature no longer fits
    cases["SIGNATURE_INVALID"] = _parts(result, {name: tampered}, json.dumps(forged).encode())
    stranger = json.loads(result.manifest_bytes) | {"sender": "EVIL"}
    cases["SENDER_UNKNOWN"] = _parts(result, None, json.dumps(stranger).encode())
    cases["MANIFEST_INVALID"] = _parts(result, None, b"{not json")
    for code, parts in cases.items():
        response = await receiver.post("/exchange/v1/deliveries", files=parts)
        assert response.status_code in (403, 422) and response.json()["code"] == code, (code, response.text)
    assert (await receiver.get("/exchange/v1/deliveries")).json() == []
    genuine = await receiver.post("/exchange/v1/deliveries", files=_parts(result))
    assert genuine.status_code == 201 and genuine.json()["status"] == "已接收"


async def test_the_manifest_signature_is_an_ordinary_sm2_signature(client, granted):
    from yikatong.crypto import sm2_verify

    result = export_day()[0]
    body = json.loads(result.manifest_bytes)
    signature = base64.b64decode(body.pop("signature"))
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert sm2_verify(body["public_key"], canonical, signature)
    for entry in body["files"]:
        assert sm3_hex((result.folder / entry["file"]).read_bytes()) == entry["sm3"]


async def test_revoked_grants_stop_sharing(client, granted, steward):
    wjw_grant, _ = granted
    await client.post(f"{API}/grants/{wjw_grant}/revoke", headers=steward.headers)
    assert [r.department for r in export_day()] == ["YBJ"]


async def test_a_changed_day_after_delivery_is_reported_not_resent(
    client, granted, steward, analyst, receiver
):
    await deliver.deliver_all(export_day(), DS, receiver)
    await grant(client, steward, analyst, "silver.person", ["region_code"], "WJW")  # WJW's day changes
    outcomes = {o.department: o.status for o in await deliver.deliver_all(export_day(), DS, receiver)}
    assert outcomes == {"WJW": "冲突（未重发）", "YBJ": "已交付过（跳过）"}
    assert len((await receiver.get("/exchange/v1/deliveries")).json()) == 2
