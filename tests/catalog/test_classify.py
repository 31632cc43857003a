"""Sensitivity proposals: every personal-data column of the simulated upstream systems is flagged with
its kind (from names, comments and sample values), and look-alike code columns are not."""

from __future__ import annotations

import pytest

from pipeline.routes import ROUTES, SOURCES
from services.catalog import classify, registry
from services.catalog.columns import source_table
from simulators import world
from simulators.exchange import DATASETS
from yikatong.settings import get_settings

# The personal data of the simulated systems (DOMAIN.md: ID number, name, phone, bank card, address).
PERSONAL = {
    "aac002": "id_number",
    "jhrzjhm": "id_number",
    "aac003": "name",
    "jhrxm": "name",
    "aae005": "phone",
    "lxdh": "phone",
    "aae010": "bank_card",
    "yhkh": "bank_card",
    "aae006": "address",
    "txdz": "address",
}
NOT_PERSONAL = {
    "aac058",
    "zjlx",
    "jhrzjlx",
    "aaz500",
    "aab301",
    "aae007",
    "yhbm",
    "yhmc",
    "khwd",
    "akb021",
    "jbjgmc",
    "aab004",
    "aac005",
    "mz",
    "chipno",
    "batchno",
    "aae076",
}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """The upstream systems at small scale on the shared server, their files in an isolated home.

    Only the settings object's ``home`` is patched (no cache clearing), so the session's other
    settings patches (the test database, the catalog's home) stay in force.
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(get_settings(), "home", tmp_path_factory.mktemp("classify_home"))
    world.simulate("small", 7, 0.0)
    yield
    patch.undo()


@pytest.mark.integration
def test_every_personal_column_of_the_simulator_is_flagged(simulated):
    seen: dict[str, set[str]] = {}
    for route in ROUTES:
        system = SOURCES[route.source]
        if system.kind != "database" or route.source == "ops":  # ops: our own tables, not simulated
            continue
        _, columns = source_table(system.database, route.table)
        assert columns, f"{route.route_id}: no columns found"
        for column in columns:
            name = column["name"]
            if name in PERSONAL:
                assert column["pii"] == PERSONAL[name], f"{route.route_id}.{name}: {column['pii']}"
                assert column["form"] == "plain"
                seen.setdefault(name, set()).add(route.route_id)
            if name in NOT_PERSONAL:
                assert column["pii"] is None, f"{route.route_id}.{name} flagged {column['pii']}"
        level = classify.sensitivity(columns)
        plain = {c["pii"] for c in columns if c["pii"]}
        if plain & {"id_number", "bank_card"}:
            assert level == classify.SENSITIVE and classify.proposed_openness(level) == classify.CLOSED
    assert set(seen) == set(PERSONAL), f"never met: {set(PERSONAL) - set(seen)}"


@pytest.mark.integration
def test_every_inbound_directory_phone_is_flagged(simulated):
    for dataset in DATASETS:
        entry = next(e for e in registry.inbound_directories() if e["title"] == dataset.name)
        phones = [c["name"] for c in entry["columns"] if c["pii"] == "phone"]
        assert phones == [c for c in dataset.columns if c in ("联系电话", "lxdh")], dataset.name


@pytest.mark.parametrize(
    ("name", "comment", "samples", "expected"),
    [
        ("AAC002", "社会保障号码", ["11010519491231002X", "440524188001010014"], ("id_number", "plain")),
        ("zjhm", "", ["11010519491231002X", "440524188001010014"], ("id_number", "plain")),  # by value alone
        ("col7", "", ["13800138000", "13912345678"], ("phone", "plain")),
        ("col8", "", ["6222021234567890128"], ("bank_card", "plain")),
        ("AAC058", "证件类型（01居民身份证 …）", ["01", "03"], (None, None)),
        ("AKB021", "定点医药机构名称（医院/药店名称）", ["乐山市人民医院"], (None, None)),
        ("AAC003", "姓名", ["张三", "欧阳娜娜"], ("name", "plain")),
        ("AAE006", "常住地址", ["四川省乐山市市中区嘉州路1号"], ("address", "plain")),
        ("id_token", "", [], ("id_number", "token")),
        ("bank_account_masked", "", [], ("bank_card", "masked")),
        ("phone_cipher", "", [], ("phone", "cipher")),
        ("ethnicity", "", ["汉族"], (None, None)),
    ],
)
def test_column_kind(name, comment, samples, expected):
    assert classify.column_kind(name, comment, samples) == expected


@pytest.mark.integration
def test_the_services_own_tables_are_read_from_the_configured_database(ops_test):
    """`ops` is a setting (`ops_test` here): its tables' columns come from that database."""
    found = {e["key"]: e for e in registry.sources_and_bronze() if e["key"].startswith("source.ops.")}
    device = found["source.ops.terminal_device"]
    assert device["location"] == f"{ops_test}.terminal_device"
    assert {"device_id", "outlet_code"} <= {c["name"] for c in device["columns"]}
    assert all(e["columns"] for e in found.values()), [k for k, e in found.items() if not e["columns"]]
