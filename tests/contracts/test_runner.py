"""The contract runner on Arrow tables (no JVM): quarantine with reasons, thresholds, determinism."""

from __future__ import annotations

import json
from datetime import date, datetime

import pyarrow as pa
import pytest

from contracts import expect
from contracts.contract import Contract, get
from contracts.runner import QUARANTINE_SCHEMA, ContractViolation, enforce, quarantine_uri
from yikatong import lake
from yikatong.settings import get_settings

DS = date(2026, 11, 27)
CHECKS = ["_id_check", "_text_ok"]


def expectations(ds: date) -> list:
    return [
        expect.id_valid(),
        expect.text_ok(),
        expect.region_in_tree("region_code"),
        expect.not_after("changed_at", ds),
        expect.non_negative("amount"),
        expect.not_null("card_no", "卡号为空"),
    ]


CONTRACT = Contract("sample", ["_row_id"], threshold=0.5, expectations=expectations, check_columns=CHECKS)


def candidates(rows: list[dict]) -> pa.Table:
    base = {"_id_check": "ok", "_text_ok": True, "region_code": "511102", "amount": 1.0,
            "card_no": "B00000001", "changed_at": datetime(2026, 11, 27, 9), "id_token": "t",
            "id_cipher": "demo1$secret"}  # fmt: skip
    full = [
        base | {"_source_table": "t", "_source_key": str(i), "_row_id": f"t:{i}"} | row
        for i, row in enumerate(rows)
    ]
    schema = pa.schema(
        [("_source_table", pa.string()), ("_source_key", pa.string()), ("_row_id", pa.string()),
         ("_id_check", pa.string()), ("_text_ok", pa.bool_()), ("region_code", pa.string()),
         ("amount", pa.float64()), ("card_no", pa.string()), ("changed_at", pa.timestamp("us", tz="UTC")),
         ("id_token", pa.string()), ("id_cipher", pa.string())]
    )  # fmt: skip
    return pa.Table.from_pylist(full, schema=schema)


@pytest.fixture(autouse=True)
def lake_home(tmp_path, monkeypatch):
    monkeypatch.setenv("YKT_LAKE_URI", str(tmp_path / "lake"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


BAD = [
    ({"_id_check": "bad_check_digit"}, "_id_check", "公民身份号码无效"),
    ({"_text_ok": False}, "_text_ok", "疑似乱码"),
    ({"region_code": "511199"}, "region_code", "行政区划不在乐山市区划树中"),
    ({"changed_at": datetime(2027, 6, 1)}, "changed_at", "时间晚于业务日期"),
    ({"amount": -3.5}, "amount", "金额为负数"),
    ({"card_no": None}, "card_no", "卡号为空"),
]


@pytest.mark.parametrize(("change", "column", "reason"), BAD)
def test_failing_row_is_quarantined_with_reason(change: dict, column: str, reason: str) -> None:
    outcome = enforce("sample", candidates([{}, change, {}]), DS, contract=CONTRACT)
    assert outcome.quarantined.column("_row_id").to_pylist() == ["t:1"]
    row = outcome.quarantined.to_pylist()[0]
    assert row["column"] == column and reason in row["reason"]
    assert row["_source_key"] == "1" and row["_logical_date"] == DS and row["dataset"] == "sample"
    assert "id_cipher" not in json.loads(row["row_json"])  # ciphertexts stay out of the quarantine
    assert outcome.accepted.column("_row_id").to_pylist() == ["t:0", "t:2"]


def test_accepted_rows_lose_check_columns_and_quarantine_is_written() -> None:
    outcome = enforce("sample", candidates([{}, {"amount": -1.0}]), DS, contract=CONTRACT)
    assert not set(CHECKS) & set(outcome.accepted.column_names)
    assert outcome.failure_share == pytest.approx(0.5)
    written = lake.read(quarantine_uri("sample"))
    assert written.schema == QUARANTINE_SCHEMA and written.num_rows == 1


def test_share_above_threshold_raises_after_quarantining() -> None:
    rows = candidates([{"amount": -1.0}, {"_text_ok": False}, {}])
    with pytest.raises(ContractViolation, match="超过阈值"):
        enforce("sample", rows, DS, contract=CONTRACT)
    assert lake.read(quarantine_uri("sample")).num_rows == 2


def test_a_row_failing_twice_counts_once() -> None:
    outcome = enforce("sample", candidates([{"amount": -1.0, "region_code": "1"}, {}]), DS, contract=CONTRACT)
    assert outcome.quarantined.num_rows == 2 and outcome.failed_rows == 1


def test_duplicate_row_ids_are_quarantined() -> None:
    rows = candidates([{}, {}])
    rows = rows.set_column(2, "_row_id", pa.array(["t:0", "t:0"]))
    outcome = enforce("sample", rows, DS, contract=CONTRACT, write=False)
    assert set(outcome.quarantined.column("reason").to_pylist()) == {"主键重复"}


def test_rerun_gives_identical_quarantine() -> None:
    rows = candidates([{"amount": -1.0}, {}, {"_id_check": "null"}, {}])
    enforce("sample", rows, DS, contract=CONTRACT)
    first = lake.checksum(quarantine_uri("sample"))
    enforce("sample", rows.take([2, 0, 3, 1]), DS, contract=CONTRACT)
    assert lake.checksum(quarantine_uri("sample")) == first


def test_empty_candidates_pass() -> None:
    outcome = enforce("sample", candidates([]), DS, contract=CONTRACT)
    assert outcome.total == 0 and outcome.failure_share == 0


@pytest.mark.parametrize(
    "dataset", ["person", "card", "card_application", "card_batch", "card_writeback", "bank_account"]
)
def test_card_domain_contracts_are_registered(dataset: str) -> None:
    contract = get(dataset)
    assert contract.name == dataset and 0 < contract.threshold < 0.2
    assert contract.build(DS)


def test_unknown_dataset_has_no_contract() -> None:
    with pytest.raises(KeyError):
        get("no_such_dataset")
