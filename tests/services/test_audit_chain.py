"""The HMAC-SM3 chain on its own (no database): every kind of tampering is named correctly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.base.audit_chain import GENESIS, head_mac, row_hash, verify


def chain(count: int) -> tuple[list[dict], dict]:
    rows, prev = [], GENESIS
    start = datetime(2026, 11, 28, tzinfo=UTC)
    for seq in range(1, count + 1):
        row = {
            "seq": seq,
            "at": start + timedelta(seconds=seq),
            "actor": f"user{seq % 3}",
            "action": "device.read",
            "result": "成功",
            "object_id": f"LS-511102-{seq:04d}",
            "prev_hash": prev,
        }
        row["hash"] = prev = row_hash(prev, row)
        rows.append(row)
    return rows, {"seq": count, "hash": prev, "mac": head_mac(count, prev)}


def kinds(rows, head) -> list[tuple[int | None, str]]:
    return [(i.seq, i.kind) for i in verify(rows, head).issues]


def test_an_honest_chain_verifies():
    rows, head = chain(20)
    assert verify(rows, head).ok and verify([], None).ok


def test_time_zone_of_the_reader_does_not_matter():
    rows, head = chain(3)
    shanghai = [{**r, "at": r["at"].astimezone(ZoneInfo("Asia/Shanghai"))} for r in rows]
    assert verify(shanghai, head).ok


@pytest.mark.parametrize("field", ["actor", "result", "object_id", "at"])
def test_altered_field(field):
    rows, head = chain(10)
    rows[4][field] = "x" if field != "at" else rows[4]["at"] + timedelta(seconds=1)
    assert kinds(rows, head) == [(5, "altered")]


def test_altered_last_row():
    rows, head = chain(10)
    rows[-1]["actor"] = "x"
    assert kinds(rows, head) == [(10, "altered")]


def test_deleted_rows_in_the_middle_and_at_the_tail():
    rows, head = chain(10)
    assert kinds(rows[:3] + rows[5:], head) == [(4, "deleted")]
    assert kinds(rows[:8], head) == [(9, "deleted")]


def test_inserted_rows():
    rows, head = chain(5)
    forged = {**rows[-1], "seq": 6, "actor": "ghost", "prev_hash": rows[-1]["hash"], "hash": "ab" * 32}
    assert kinds([*rows, forged], head) == [(6, "inserted")]
    renumbered = (
        rows[:2]
        + [{**forged, "seq": 3, "prev_hash": rows[1]["hash"]}]
        + [{**r, "seq": r["seq"] + 1} for r in rows[2:]]
    )
    assert (3, "inserted") in kinds(renumbered, {**head, "seq": 6})


def test_head_tampering():
    rows, head = chain(5)
    assert kinds(rows, {**head, "seq": 4}) == [(None, "head")]
    assert kinds(rows, None) == [(None, "head")]
