"""Builders shared by the service tests: staff users, device bodies, workbooks, SQL peeks."""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import httpx
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from services.base.db import utcnow
from services.base.models import StaffSession, StaffUser
from services.base.passwords import hash_password
from services.base.permissions import Role
from services.base.tokens import new_token
from services.terminals.excel import HEADER
from yikatong import db
from yikatong.crypto import sm2_generate_keypair

TEST_DB = "ops_test" + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if "PYTEST_XDIST_WORKER" in os.environ else ""
)
PASSWORD = "Ykt-Test-2026!"

SHIZHONG_OUTLETS = ("511102004001", "511102004002", "511102006001")
EMEI_OUTLET = "511181001001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def device_body(seq: int, county: str = "511102", outlet: str | None = None, **extra) -> dict:
    outlet = outlet or (SHIZHONG_OUTLETS[seq % 3] if county == "511102" else EMEI_OUTLET)
    return {
        "device_id": f"LS-{county}-{seq:04d}",
        "name": f"自助机{seq}号",
        "device_type": "自助制发卡一体机",
        "outlet_code": outlet,
        "address": f"乐山市某路{seq}号",
        **extra,
    }


def row_of(body: dict) -> list:
    keys = (
        "device_id",
        "name",
        "device_type",
        "outlet_code",
        "address",
        "longitude",
        "latitude",
        "manufacturer",
        "serial_no",
        "ip",
    )
    return [body.get(k) for k in keys]


def workbook_bytes(rows: Iterable[Sequence], header: Sequence[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "设备登记"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_workbook(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


async def upload(
    client: httpx.AsyncClient, headers: dict, data: bytes, name: str = "设备.xlsx"
) -> httpx.Response:
    return await client.post(
        "/api/v1/admin/device-imports", headers=headers, files={"file": (name, data, XLSX)}
    )


async def register(client: httpx.AsyncClient, headers: dict, body: dict) -> dict:
    response = await client.post("/api/v1/admin/devices", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


@functools.cache
def keypair(username: str):
    return sm2_generate_keypair()


@functools.cache
def password_hash(password: str) -> str:
    return hash_password(password)


@dataclass
class Staff:
    id: int
    username: str
    role: Role
    region_code: str
    password: str
    private_hex: str
    public_hex: str
    headers: dict[str, str]


def make_staff(username: str, role: Role, region_code: str, password: str = PASSWORD) -> Staff:
    """Insert a staff user and an open session; returns it with ready Authorization headers."""
    pair = keypair(username)
    with Session(db.engine(TEST_DB)) as session:
        user = StaffUser(
            username=username,
            display_name=username,
            role=role,
            region_code=region_code,
            password_hash=password_hash(password),
            sm2_public_key=pair.public_hex,
        )
        session.add(user)
        session.flush()
        token, key = new_token()
        now = utcnow()
        session.add(
            StaffSession(
                token_hash=key, user_id=user.id, last_seen_at=now, expires_at=now + timedelta(hours=8)
            )
        )
        session.commit()
        user_id = user.id
    headers = {"Authorization": f"Bearer {token}"}
    return Staff(user_id, username, role, region_code, password, pair.private_hex, pair.public_hex, headers)


def sql(statement: str, **params) -> list:
    """Run SQL on the test database (for tests that look behind the API)."""
    with db.engine(TEST_DB).begin() as conn:
        result = conn.execute(sa.text(statement), params)
        return list(result) if result.returns_rows else []
