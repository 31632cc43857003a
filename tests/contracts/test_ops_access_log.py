"""The access log's contract on Arrow (no JVM): an unmasked IP or an unknown actor kind is quarantined."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from contracts.runner import enforce
from simulators import access_history

DS = date(2026, 11, 27)


def test_unmasked_ips_and_unknown_kinds_are_quarantined_with_their_reason() -> None:
    rows, _, _ = access_history.generate("small", 1, DS, seed=3)
    records = [row._asdict() | {"id": n} for n, row in enumerate(rows[:400], 1)]
    records[10] |= {"ip_masked": "10.102.3.77"}  # a full address: personal data reaching silver
    records[20] |= {"ip_masked": "10.102.3.77/24"}  # host part not cleared
    records[30] |= {"actor_kind": "robot"}
    records[40] |= {"county_code": "110105"}  # not in 乐山市
    for n, record in enumerate(records):
        record |= {"_source_table": "access_log", "_source_key": str(record["id"]), "_row_id": f"a:{n}"}
    outcome = enforce("ops_access_log", pa.Table.from_pylist(records), DS, write=False)
    reasons = {
        row["_source_key"]: row["reason"]
        for row in outcome.quarantined.select(["_source_key", "reason"]).to_pylist()
    }
    assert set(reasons) == {"11", "21", "31", "41"}
    assert reasons["11"] == reasons["21"] == "IP 未脱敏（应为 /24 或 /48 网段）"
    assert reasons["31"] == "访问主体类别未知" and reasons["41"] == "行政区划不在乐山市区划树中"
    assert outcome.accepted.num_rows == 396
