"""Builders for the card tests: kiosks that sign their calls, people with valid ID numbers, and
the provincial card system simulator served over real HTTP on a free port."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import uvicorn

from services.terminals.signing import sign_headers
from simulators import card_system_api
from simulators.sources import card_system, loader
from tests.services.helpers import device_body, register
from yikatong import db
from yikatong.ids import check_char
from yikatong.settings import get_settings

CARD_DB = "src_card_system_cardstest"
BLANK = "/api/v1/admin/blank-cards"


def person(seq: int, county: str = "511102", born: str = "19800101") -> str:
    """A valid ID number (GB 11643) for test person `seq`."""
    first17 = f"{county}{born}{seq:03d}"
    return first17 + check_char(first17)


def card_no(seq: int) -> str:
    return f"T{seq:08d}"


def event_id() -> str:
    return uuid.uuid4().hex


def now_iso(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat()


class Kiosk:
    """A registered device that signs its requests like the real terminal software."""

    def __init__(self, client: httpx.AsyncClient, device_id: str, secret: str) -> None:
        self.client, self.device_id, self.secret = client, device_id, secret

    async def call(self, method: str, path: str, body: dict | None = None, **sign) -> httpx.Response:
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = sign_headers(self.device_id, self.secret, method, path, data, **sign)
        headers["Content-Type"] = "application/json"
        return await self.client.request(method, path, content=data, headers=headers)

    async def post(self, path: str, body: dict, **sign) -> httpx.Response:
        return await self.call("POST", f"/api/v1/device{path}", body, **sign)

    async def use(self, usage: str = "废卡", quantity: int = 1, **extra) -> httpx.Response:
        body = {"event_id": event_id(), "usage": usage, "quantity": quantity, "occurred_at": now_iso()}
        body |= {"reason": "写卡失败"} if usage == "废卡" else {"card_no": card_no(1)}
        return await self.post("/blank-cards/usage", body | extra)


async def kiosk(
    client: httpx.AsyncClient, staff_headers: dict, seq: int, county: str = "511102", **extra
) -> Kiosk:
    created = await register(client, staff_headers, device_body(seq, county=county, **extra))
    return Kiosk(client, created["device_id"], created["credential"]["secret"])


async def add_blank(
    client: httpx.AsyncClient, headers: dict, device_id: str, quantity: int
) -> httpx.Response:
    return await client.post(f"{BLANK}/{device_id}/additions", headers=headers, json={"quantity": quantity})


# ------------------------------------------------------------------------------------------
# 省卡管系统 simulator
# ------------------------------------------------------------------------------------------

BATCH = "P20261120001"
ACCOUNT = "6228480000000000018"
PROVINCE_ROWS = [  # (card, person, name, box, outlet, bank account)
    (card_no(101), person(101), "王小明", "1-1-1-1", "511102004001", ACCOUNT),
    (card_no(102), person(103, "511181"), "李小红", "1-1-1-2", "511181001001", "6228480000000000026"),
    (card_no(103), person(105), "赵大", "1-1-1-3", None, "6228480000000000034"),
]


APPLY_SQL = (
    "insert into kgl_apply (sqid, aac002, aac003, ywlx, sqqd, applytime, shzt, batchno, zxwz, aaz500, lkwdbm,"
    " citysendaddr, aae036) values (%s, %s, %s, '1', '02', %s, '1', %s, %s, %s, %s, %s, %s)"
)


def load_card_system() -> None:
    """The card system's own DDL, its code table and one batch of three made cards."""
    db.ensure_databases((CARD_DB,))
    codes = {"kgl_code": card_system.code_table()}
    loader.load_database(CARD_DB, card_system.DDL, card_system.TABLES, codes, card_system.FINISH)
    made = "2026-11-20 10:00:00"
    with loader.connect(CARD_DB) as conn:
        conn.execute(
            "insert into kgl_batch values (%s, '103', %s, %s, %s, %s)",
            (BATCH, len(PROVINCE_ROWS), made, made, made),
        )
        for i, (card, pid, name, box, outlet, account) in enumerate(PROVINCE_ROWS):
            conn.execute(
                APPLY_SQL,
                (f"SQ2026112000000{i}", pid, name, made, BATCH, box, card, outlet, "乐山市某网点", made),
            )
            conn.execute(
                "insert into kgl_card (aaz500, aac002, aac003, aaz502, aae008, aae010, chipno, aae036)"
                " values (%s, %s, %s, '0', '103', %s, 'AB01', %s)",
                (card, pid, name, account, made),
            )


@contextlib.contextmanager
def serve_card_system() -> Iterator[str]:
    """Serve the simulator on 127.0.0.1:<free port> in a thread; the platform's settings point at it."""
    server = uvicorn.Server(
        uvicorn.Config(
            card_system_api.create_app(database=CARD_DB), host="127.0.0.1", port=0, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("card system simulator did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    settings, before = get_settings(), get_settings().card_system_url
    settings.card_system_url = f"http://127.0.0.1:{port}"
    try:
        yield settings.card_system_url
    finally:
        settings.card_system_url = before
        server.should_exit = True
        thread.join(timeout=10)
        db.engine(CARD_DB).dispose()
