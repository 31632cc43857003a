"""Catalog tests: the service fixtures (database `ops_test`, HTTP client, staff) plus an isolated home
whose lake holds a small silver person table and a gold table with plaintext personal data."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from services.base.permissions import Role
from tests.services.conftest import cast, client, ops_test  # noqa: F401  (shared fixtures)
from tests.services.helpers import make_staff
from yikatong import lake
from yikatong.settings import get_settings

DS = date(2026, 11, 27)
IDS = ["11010519491231002X", "440524188001010014", "511102199001011236"]


def person_rows() -> pa.Table:
    """silver.person-like rows: tokens, masks, a ciphertext, two days."""
    n = 6
    return pa.table(
        {
            "person_sk": [f"p{i}" for i in range(n)],
            "id_token": [f"tok{i:02d}" for i in range(n)],
            "id_masked": ["511102********1234"] * n,
            "id_cipher": [f"k1:cipher{i}" for i in range(n)],
            "name_masked": ["张*", "李*", "欧阳**", "王*", "赵*", "孙*"],
            "phone_masked": ["138****8000"] * n,
            "ethnicity": ["汉族"] * 5 + ["彝族"],
            "region_code": ["511102", "511181", "511102", "511111", "511123", "511133"],
            "_logical_date": pa.array([DS] * 4 + [date(2026, 11, 26)] * 2, pa.date32()),
        }
    )


def contact_rows() -> pa.Table:
    """gold.resident_contact: plaintext personal data a mart might hold (must be masked when shared)."""
    return pa.table(
        {
            "id_number": IDS,
            "name": ["张三", "欧阳娜娜", "李四"],
            "phone": ["13800138000", "13912345678", "13511112222"],
            "address": [
                "四川省乐山市市中区嘉州路1号",
                "四川省乐山市峨眉山市名山路2号",
                "四川省乐山市沙湾区沫若路3号",
            ],
            "region_code": ["511102", "511181", "511111"],
        }
    )


@pytest.fixture(scope="session")
def catalog_home(tmp_path_factory, ops_test):  # noqa: F811
    """An isolated YKT_HOME (lake, share folder, signing key) for the catalog tests."""
    home = tmp_path_factory.mktemp("catalog_home")
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "home", home)
    patch.setattr(get_settings(), "lake_uri", None)
    lake.overwrite(lake.table_uri("silver.person"), person_rows(), partition_by=["_logical_date"])
    lake.overwrite(lake.table_uri("gold.resident_contact"), contact_rows())
    yield home
    patch.undo()


@pytest.fixture
def steward(client):  # noqa: F811
    return make_staff("steward", Role.DATA_STEWARD, "511100")


@pytest.fixture
def analyst(client):  # noqa: F811
    return make_staff("analyst.wjw", Role.ANALYST, "511100")


@pytest.fixture(scope="session")
def specs(catalog_home) -> list[dict]:
    """What the registry finds in the code and the test home (discovered once per run)."""
    from services.catalog import registry

    return registry.discover()


@pytest.fixture
async def synced(client, specs, steward):  # noqa: F811
    """The catalog synced from the code over the test home (the API's /sync is tested on its own)."""
    from services.base.db import sessionmaker
    from services.catalog import sync

    async with sessionmaker()() as session:
        result = await sync.apply(session, specs)
        await session.commit()
    return {"added": result.added, "updated": result.updated, "unchanged": result.unchanged}


async def entry_id(http, headers, key: str) -> int:
    """The id of the catalog entry ``key`` (searched through the API)."""
    response = await http.get(
        "/api/v1/admin/catalog/entries", headers=headers, params={"q": key, "size": 100}
    )
    assert response.status_code == 200, response.text
    found = [e for e in response.json()["items"] if e["key"] == key]
    assert found, f"{key} not in the catalog"
    return found[0]["id"]


async def grant(http, steward, analyst, key: str, columns: list[str], department: str = "WJW") -> int:
    """Open ``key`` conditionally, have ``analyst`` request ``columns`` for ``department``, approve."""
    eid = await entry_id(http, steward.headers, key)
    await http.patch(
        f"/api/v1/admin/catalog/entries/{eid}", headers=steward.headers, json={"openness": "有条件开放"}
    )
    body = {
        "entry_id": eid,
        "department": department,
        "columns": columns,
        "valid_until": (date.today() + timedelta(days=90)).isoformat(),
        "purpose": "共享交换测试",
    }
    rid = (await http.post("/api/v1/admin/catalog/requests", headers=analyst.headers, json=body)).json()["id"]
    decided = await http.post(
        f"/api/v1/admin/catalog/requests/{rid}/decision",
        headers=steward.headers,
        json={"approve": True, "reason": "同意"},
    )
    return decided.json()["grant_id"]
