"""File-drop intake from the municipal exchange (市共享交换平台): validate, archive or reject.

A delivery is a data file plus its `<file>.manifest.json` (written last). A delivery is accepted only
when the manifest's sha256 and row count match, the bytes decode in the declared encoding, and every
row has the header's columns. Accepted files move to `archive/<date>/` (a rerun of that date reads
them from there); rejected ones move to `rejected/` beside a `.reason.json` naming the defect, and the
other files still load.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

MANIFEST = ".manifest.json"


class DeliveryRejected(ValueError):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True, slots=True)
class Delivery:
    path: Path
    manifest: dict

    @property
    def manifest_path(self) -> Path:
        return self.path.with_name(self.path.name + MANIFEST)


def deliveries(folder: Path) -> list[Delivery]:
    """Complete deliveries in a folder (data file with its manifest), in name order."""
    found = []
    for manifest_path in sorted(folder.glob(f"*{MANIFEST}")):
        data = manifest_path.with_name(manifest_path.name.removesuffix(MANIFEST))
        if data.exists():
            found.append(Delivery(data, json.loads(manifest_path.read_text(encoding="utf-8"))))
    return found


def parse(delivery: Delivery) -> list[dict]:
    """The delivery's records as dicts keyed by the department's own column names; raises DeliveryRejected."""
    raw, m = delivery.path.read_bytes(), delivery.manifest
    if hashlib.sha256(raw).hexdigest() != m.get("sha256"):
        raise DeliveryRejected("checksum_mismatch", "文件校验和与清单不符")
    try:
        text = raw.decode(m.get("encoding", "utf-8"))
    except (UnicodeDecodeError, LookupError) as exc:
        raise DeliveryRejected(
            "bad_encoding", f"文件编码与清单声明的 {m.get('encoding')} 不符：{exc}"
        ) from None
    records = _jsonl(text) if m.get("format") == "jsonl" else _csv(text, list(m.get("columns", [])))
    if len(records) != m.get("rows"):
        raise DeliveryRejected("row_count_mismatch", f"行数 {len(records)} 与清单 {m.get('rows')} 不符")
    return records


def _csv(text: str, columns: list[str]) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    if not rows or rows[0] != columns:
        raise DeliveryRejected("bad_header", "表头与清单列不符")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(columns):
            raise DeliveryRejected("wrong_columns", f"第 {number} 行有 {len(row)} 列，应为 {len(columns)} 列")
    return [dict(zip(columns, row, strict=True)) for row in rows[1:]]


def _jsonl(text: str) -> list[dict]:
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise DeliveryRejected("bad_json", f"JSON 行格式错误：{exc}") from None


def to_bronze_rows(delivery: Delivery, records: list[dict]) -> pa.Table:
    """Heterogeneous directories share one bronze table: one row per record, the record as JSON."""
    m, n = delivery.manifest, len(records)
    return pa.table(
        {
            "dataset": pa.array([m["dataset"]] * n, pa.string()),
            "department_code": pa.array([m.get("department_code")] * n, pa.string()),
            "file_name": pa.array([delivery.path.name] * n, pa.string()),
            "row_no": pa.array(range(1, n + 1), pa.int32()),
            "record": pa.array(
                [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records], pa.string()
            ),
        }
    )


def archive(delivery: Delivery, root: Path, logical_date: date) -> str:
    target = root / "archive" / logical_date.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    for path in (delivery.path, delivery.manifest_path):
        shutil.move(path, target / path.name)
    return f"archive/{logical_date.isoformat()}/{delivery.path.name}"


def reject(delivery: Delivery, root: Path, error: DeliveryRejected) -> str:
    target = root / "rejected"
    target.mkdir(parents=True, exist_ok=True)
    for path in (delivery.path, delivery.manifest_path):
        shutil.move(path, target / path.name)
    reason = {"file": delivery.path.name, "code": error.code, "reason": str(error)}
    (target / f"{delivery.path.name}.reason.json").write_text(
        json.dumps(reason, ensure_ascii=False, indent=2)
    )
    return delivery.path.name
