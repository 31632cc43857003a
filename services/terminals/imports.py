"""Excel 批量登记：逐行校验，新增的设备一次写入，结果（成功 / 部分失败 / 失败）与失败行留存。

Idempotent by device ID: a row whose device is already registered with the same details counts
as a success (未变更) and is not registered twice; one whose details differ fails with a reason.
The whole batch (devices, batch record, row outcomes, audit row) commits in one transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.base.bulk import insert_rows
from services.base.db import utcnow
from services.base.excel import open_upload
from services.base.security import Principal, Scope
from services.base.validation import message_of
from services.terminals import credentials, excel
from services.terminals.models import Device, ImportBatch, ImportRow
from services.terminals.repository import EDITABLE
from services.terminals.schemas import DeviceCreate
from yikatong import regions
from yikatong.crypto import sm3_hex
from yikatong.settings import get_settings

CREATED, UNCHANGED, FAILED = "新增", "未变更", "失败"


@dataclass
class Outcomes:
    rows: dict[int, tuple[str | None, str, str | None]] = field(
        default_factory=dict
    )  # no → (id, outcome, why)
    valid: dict[str, tuple[int, DeviceCreate]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def fail(self, row: excel.SheetRow, reason: str) -> None:
        self.rows[row.row_no] = (row.cells.get("device_id"), FAILED, reason)

    def count(self, outcome: str) -> int:
        return sum(1 for _, o, _ in self.rows.values() if o == outcome)


def _row_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        label = excel.LABELS.get(str(item["loc"][0]), "") if item.get("loc") else ""
        parts.append(f"{label}：{message_of(item)}" if label else message_of(item))
    return "；".join(parts)


def _check_rows(rows: list[excel.SheetRow], scope: Scope) -> Outcomes:
    out = Outcomes()
    for row in rows:
        try:
            body = DeviceCreate.model_validate(row.cells)
        except ValidationError as error:
            out.fail(row, _row_errors(error))
            continue
        if not scope.contains(body.outlet_code):
            out.fail(row, "网点不在您的管辖区域内")
        elif body.device_id in out.valid:
            out.fail(row, f"与第 {out.valid[body.device_id][0]} 行的设备编号重复")
        else:
            out.valid[body.device_id] = (row.row_no, body)
    return out


async def _sort_existing(session: AsyncSession, out: Outcomes) -> None:
    found = await session.scalars(sa.select(Device).where(Device.device_id.in_(list(out.valid))))
    for device in found:
        row_no, body = out.valid.pop(device.device_id)
        same = all(getattr(device, name) == getattr(body, name) for name in EDITABLE)
        reason = None if same else "设备编号已存在，且与已登记信息不一致（修改请使用编辑功能）"
        out.rows[row_no] = (device.device_id, UNCHANGED if same else FAILED, reason)


def _device_record(body: DeviceCreate, secret: str, batch_id: uuid.UUID, user: Principal, now) -> dict:
    extra = {
        "region_code": regions.get(body.outlet_code).parent,
        "status": "启用",
        "registered_by": user.username,
        "credential": credentials.seal(secret, body.device_id),
        "credential_issued_at": now,
        "created_at": now,
        "updated_at": now,
        "import_batch_id": batch_id,
    }
    return body.model_dump() | extra


async def _insert_new(session: AsyncSession, out: Outcomes, batch_id: uuid.UUID, user: Principal) -> None:
    now, records = utcnow(), []
    for device_id, (_, body) in out.valid.items():
        out.secrets[device_id] = secret = credentials.new_secret()
        records.append(_device_record(body, secret, batch_id, user, now))
    table = Device.__table__
    inserted = set(
        await insert_rows(session, table, records, skip_conflicts_on="device_id", returning="device_id")
    )
    for device_id, (row_no, _) in out.valid.items():
        ok = device_id in inserted  # not inserted: registered concurrently by another upload
        out.rows[row_no] = (device_id, CREATED if ok else FAILED, None if ok else "设备编号已存在")
        if not ok:
            out.secrets.pop(device_id)


def _status(out: Outcomes) -> str:
    failed = out.count(FAILED)
    return "成功" if not failed else "失败" if failed == len(out.rows) else "部分失败"


async def run(session: AsyncSession, scope: Scope, user: Principal, file_name: str, data: bytes):
    """Validate and register one workbook; returns (batch, outcomes). The caller audits and commits."""
    rows = excel.read_rows(open_upload(data, get_settings().upload_max_bytes))
    out = _check_rows(rows, scope)
    await _sort_existing(session, out)
    batch_id = uuid.uuid4()
    await _insert_new(session, out, batch_id, user)
    batch = ImportBatch(
        id=batch_id,
        file_name=file_name[:200],
        file_sm3=sm3_hex(data),
        uploaded_by=user.username,
        region_code=user.region_code,
        status=_status(out),
        total=len(rows),
        created=out.count(CREATED),
        unchanged=out.count(UNCHANGED),
        failed=out.count(FAILED),
    )
    session.add(batch)
    await session.flush()
    raw = {row.row_no: row.raw for row in rows}
    outcomes = [
        {
            "batch_id": batch_id,
            "row_no": no,
            "device_id": (device_id or "")[:64] or None,
            "outcome": outcome,
            "reason": reason,
            "cells": json.dumps(raw[no], ensure_ascii=False) if outcome == FAILED else None,
        }
        for no, (device_id, outcome, reason) in sorted(out.rows.items())
    ]
    await insert_rows(session, ImportRow.__table__, outcomes)
    return batch, out
