"""一卡通服务的表 (silver.ops_<table>) contracts: keys present and unique, codes in 乐山市's tree.

The services validated every row when it was written; the contract guards what the marts rely on
(one row per key, a device on every row, regions and outlets that exist), so a broken migration or a
hand-edited row is quarantined with its reason instead of skewing the terminal statistics.
Each ``contracts/ops_<table>.py`` holds ``CONTRACT = ops.contract(<table>)``.
"""

from __future__ import annotations

from contracts import expect
from contracts.contract import Contract

# table → its key (as the route declares it) and whether its rows carry outlet and region codes
TABLES: dict[str, tuple[list[str], bool]] = {
    "terminal_device": (["device_id"], True),
    "terminal_state_change": (["id"], False),
    "terminal_selfcheck_item": (["selfcheck_id", "component"], False),
    "terminal_alarm": (["id"], False),
    "card_blank_addition": (["id"], True),
    "card_blank_usage": (["id"], True),
    "card_issuance": (["id"], True),
    "card_finished": (["card_no"], True),
}


def expectations_of(table: str) -> list:
    key, located = TABLES[table]
    return [
        *(expect.not_null(column, "主键为空") for column in key),
        expect.unique(key, "主键重复"),
        expect.not_null("device_id", "设备编号为空"),
        *(
            [
                expect.not_null("region_code", "所属区域为空"),
                expect.region_in_tree("region_code"),
                expect.region_in_tree("outlet_code", ("outlet",)),
            ]
            if located
            else []
        ),
    ]


def contract(table: str) -> Contract:
    """The contract of ``silver.ops_<table>`` (no failure tolerated beyond 1 %: the rows were validated)."""
    return Contract(
        name=f"ops_{table}", key=TABLES[table][0], threshold=0.01, expectations=lambda: expectations_of(table)
    )
