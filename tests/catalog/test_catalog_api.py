"""The catalog through HTTP: registration covers every dataset, search, steward edits with history
and audit, sync keeps steward edits, lineage across layers, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.contract import get as get_contract
from pipeline.routes import ROUTES, SOURCES
from services.catalog import registry
from services.catalog.resources import RESOURCE_ITEMS
from simulators.exchange import DATASETS
from tests.catalog.conftest import entry_id
from tests.services.helpers import sql

pytestmark = pytest.mark.integration
async_test = pytest.mark.asyncio(loop_scope="session")
API = "/api/v1/admin/catalog"


def silver_names() -> list[str]:
    """Every module under contracts/ that defines a CONTRACT (imported, unlike the registry's scan)."""
    names = []
    for path in sorted(Path(registry.REPO_ROOT, "contracts").glob("*.py")):
        try:
            get_contract(path.stem)
        except KeyError:
            continue
        names.append(path.stem)
    return names


def expected_keys() -> set[str]:
    """Every dataset the code declares, computed independently of the registry's finders."""
    keys = {r.bronze for r in ROUTES}
    keys |= {f"source.{r.route_id}" for r in ROUTES if SOURCES[r.source].name != "exchange"}
    contracts = set(silver_names())
    assert {r.contract for r in ROUTES if r.contract} <= contracts
    keys |= {f"silver.{n}" for n in contracts} | {f"export.{n}" for n in contracts}
    keys |= {f"inbound.{d.name}" for d in DATASETS}
    keys |= {f"resource.{i.title}" for i in RESOURCE_ITEMS}
    keys |= {"gold.resident_contact"}
    manifest = Path(registry.REPO_ROOT, "dbt", "target", "manifest.json")
    if manifest.is_file():  # the dbt project's models, once it has been built
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
        keys |= {f"mart.{n['name']}" for n in nodes if n.get("resource_type") == "model"}
    return keys


async def all_entries(client, headers) -> list[dict]:
    items, page = [], 1
    while True:
        body = (
            await client.get(f"{API}/entries", headers=headers, params={"page": page, "size": 100})
        ).json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items
        page += 1


@async_test
async def test_catalog_covers_every_dataset_and_resource_item(client, synced, steward):
    keys = {e["key"] for e in await all_entries(client, steward.headers)}
    missing = expected_keys() - keys
    assert not missing, f"not catalogued: {sorted(missing)}"
    assert synced["added"] == len(keys) and synced["updated"] == 0
    assert len([k for k in keys if k.startswith("resource.")]) == 30


@async_test
async def test_sync_is_idempotent_and_keeps_steward_edits(client, synced, steward):
    eid = await entry_id(client, steward.headers, "silver.person")
    edit = await client.patch(
        f"{API}/entries/{eid}",
        headers=steward.headers,
        json={"owner": "市人社局信息中心", "openness": "不予开放"},
    )
    assert edit.status_code == 200, edit.text
    again = (await client.post(f"{API}/sync", headers=steward.headers)).json()
    assert again == {"added": 0, "updated": 0, "unchanged": synced["added"]}
    audited = sql("select actor, result from audit_log where action = 'catalog.sync'")
    assert [(r.actor, r.result) for r in audited] == [("steward", "成功")]
    detail = (await client.get(f"{API}/entries/{eid}", headers=steward.headers)).json()
    assert detail["owner"] == "市人社局信息中心" and detail["openness"] == "不予开放"
    assert set(detail["edited"]) == {"owner", "openness"}


@async_test
async def test_inbound_directories_name_their_department(client, synced, steward):
    eid = await entry_id(client, steward.headers, "inbound.医疗机构名录")
    detail = (await client.get(f"{API}/entries/{eid}", headers=steward.headers)).json()
    assert detail["owner"] == "乐山市卫生健康委员会" and "WJW" in detail["source"]
    assert {c["name"] for c in detail["columns"]} >= {"机构编码", "机构名称", "联系电话"}
    assert [c["pii"] for c in detail["columns"] if c["name"] == "联系电话"] == ["phone"]


@async_test
async def test_search_and_filters(client, synced, steward):
    found = (await client.get(f"{API}/entries", headers=steward.headers, params={"q": "person"})).json()
    assert "silver.person" in {e["key"] for e in found["items"]}
    silver = (
        await client.get(f"{API}/entries", headers=steward.headers, params={"kind": "silver", "size": 100})
    ).json()
    assert silver["total"] == len(set(silver_names()))
    assert all(e["kind"] == "silver" for e in silver["items"])
    closed = (
        await client.get(
            f"{API}/entries", headers=steward.headers, params={"openness": "不予开放", "size": 100}
        )
    ).json()
    assert closed["total"] > 0 and all(e["openness"] == "不予开放" for e in closed["items"])
    nothing = (await client.get(f"{API}/entries", headers=steward.headers, params={"q": "%_"})).json()
    assert nothing["total"] == 0  # LIKE wildcards are searched literally
    upper = (await client.get(f"{API}/entries", headers=steward.headers, params={"q": "PERSON"})).json()
    assert upper["total"] == found["total"] and "silver.person" in {e["key"] for e in upper["items"]}
    directories = (await client.get(f"{API}/entries", headers=steward.headers, params={"q": "名录"})).json()
    assert {e["key"] for e in directories["items"]} >= {f"inbound.{d.name}" for d in DATASETS}
    beyond = (
        await client.get(f"{API}/entries", headers=steward.headers, params={"kind": "silver", "page": 99})
    ).json()
    assert beyond["items"] == [] and beyond["total"] == silver["total"]


@async_test
async def test_gold_plaintext_is_sensitive_and_closed_by_default(client, synced, steward):
    eid = await entry_id(client, steward.headers, "gold.resident_contact")
    detail = (await client.get(f"{API}/entries/{eid}", headers=steward.headers)).json()
    kinds = {c["name"]: c["pii"] for c in detail["columns"]}
    assert kinds == {
        "id_number": "id_number",
        "name": "name",
        "phone": "phone",
        "address": "address",
        "region_code": None,
    }
    assert detail["sensitivity"] == "敏感个人信息" and detail["openness"] == "不予开放"


@async_test
async def test_steward_edit_is_audited_with_history(client, synced, steward):
    eid = await entry_id(client, steward.headers, "silver.card")
    response = await client.patch(
        f"{API}/entries/{eid}",
        headers=steward.headers,
        json={"description": "社保卡（SCD2）", "update_frequency": "每日"},
    )
    assert response.status_code == 200 and response.json()["description"] == "社保卡（SCD2）"
    history = (await client.get(f"{API}/entries/{eid}/history", headers=steward.headers)).json()
    assert [(c["actor"], c["field"], c["new"]) for c in history["items"]] == [
        ("steward", "description", "社保卡（SCD2）")
    ]
    rows = sql("select actor, result, object_id, detail from audit_log where action = 'catalog.update'")
    assert [(r.actor, r.result, r.object_id) for r in rows] == [("steward", "成功", "silver.card")]
    assert json.loads(rows[0].detail)["description"][1] == "社保卡（SCD2）"


@async_test
async def test_lineage_from_source_to_export(client, synced, steward):
    eid = await entry_id(client, steward.headers, "silver.person")
    lineage = (await client.get(f"{API}/entries/{eid}/lineage", headers=steward.headers)).json()
    up = {n["key"] for n in lineage["upstream"]}
    assert {
        "bronze.insurance__qmcb_person",
        "source.insurance.qmcb_person",
        "bronze.holder__cyk_holder",
    } <= up
    assert {n["key"] for n in lineage["downstream"]} == {"export.person"}
    assert ["source.insurance.qmcb_person", "bronze.insurance__qmcb_person"] in lineage["edges"]
    item = await entry_id(client, steward.headers, "resource.身份证")
    holders = (await client.get(f"{API}/entries/{item}/lineage", headers=steward.headers)).json()
    assert "silver.person" in {n["key"] for n in holders["upstream"]}


def test_marts_and_dashboards_come_from_the_dbt_manifest_and_bundle(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "nodes": {
                    "model.ykt.stg_person": {
                        "resource_type": "model",
                        "name": "stg_person",
                        "description": "人员",
                        "columns": {"id_token": {"name": "id_token"}},
                        "depends_on": {"nodes": ["source.ykt.analytics.raw_person"]},
                    },
                    "model.ykt.mart_card_issuance": {
                        "resource_type": "model",
                        "name": "mart_card_issuance",
                        "columns": {},
                        "depends_on": {"nodes": ["model.ykt.stg_person"]},
                    },
                    "test.ykt.unique_x": {"resource_type": "test", "name": "unique_x"},
                }
            }
        ),
        encoding="utf-8",
    )
    marts = {m["key"]: m for m in registry.marts(manifest)}
    assert set(marts) == {"mart.stg_person", "mart.mart_card_issuance"}
    assert marts["mart.stg_person"]["upstream"] == ["silver.person"]
    assert marts["mart.mart_card_issuance"]["upstream"] == ["mart.stg_person"]
    assert marts["mart.stg_person"]["columns"][0]["form"] == "token"
    bundle = tmp_path / "bundle"
    (bundle / "dashboards").mkdir(parents=True)
    (bundle / "datasets" / "analytics").mkdir(parents=True)
    (bundle / "dashboards" / "cards.yaml").write_text("dashboard_title: 发卡统计\n", encoding="utf-8")
    (bundle / "datasets" / "analytics" / "m.yaml").write_text(
        "table_name: mart_card_issuance\n", encoding="utf-8"
    )
    boards = list(registry.dashboards(tmp_path))
    assert [(b["key"], b["title"], b["upstream"]) for b in boards] == [
        ("dashboard.cards", "发卡统计", ["mart.mart_card_issuance"])
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"openness": "半开放"}, "VALIDATION_ERROR"),
        ({"sensitivity": "绝密"}, "VALIDATION_ERROR"),
        ({"owner": ""}, "VALIDATION_ERROR"),
        ({"key": "x"}, "VALIDATION_ERROR"),
        ({"owner": None}, "FIELD_REQUIRED"),
    ],
)
@async_test
async def test_bad_edits_are_refused_and_change_nothing(client, synced, steward, body, code):
    eid = await entry_id(client, steward.headers, "silver.card")
    response = await client.patch(f"{API}/entries/{eid}", headers=steward.headers, json=body)
    assert response.status_code == 422 and response.json()["code"] == code
    assert response.json()["message"]
    assert sql("select count(*) from catalog_change where actor = 'steward'")[0][0] == 0


@async_test
async def test_unknown_entry_kind_and_page(client, synced, steward):
    missing = await client.get(f"{API}/entries/999999", headers=steward.headers)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    kind = await client.get(f"{API}/entries", headers=steward.headers, params={"kind": "lake"})
    assert kind.status_code == 422 and kind.json()["code"] == "UNKNOWN_KIND"
    control = await client.get(f"{API}/entries", headers=steward.headers, params={"q": "person\x1fsilver"})
    assert control.status_code == 422 and control.json()["code"] == "INVALID_QUERY"
    bad_id = await client.get(f"{API}/entries/abc", headers=steward.headers)
    assert bad_id.status_code == 422


@async_test
async def test_only_stewards_edit_and_sync(client, synced, analyst):
    eid = await entry_id(client, analyst.headers, "silver.card")
    edit = await client.patch(f"{API}/entries/{eid}", headers=analyst.headers, json={"owner": "x"})
    assert edit.status_code == 403 and edit.json()["code"] == "FORBIDDEN"
    assert (await client.post(f"{API}/sync", headers=analyst.headers)).status_code == 403
