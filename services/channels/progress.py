"""办理进度查询（居民轮询）：一条 SQL、一次往返，连接在做任何 CPU 工作之前就已归还。

The H5 page and the channels poll `GET /api/v1/channels/applications/{id}` often, so this path is
kept cheap: the resident session (by the SM3 digest of the bearer token), the application (only
when it belongs to that session's person) and its stage timeline come back from ONE statement on
an autocommit connection, run by the driver itself (`driver_autocommit`); nothing is decrypted
(the masked ID and name are already stored); the body is serialised with orjson; the ETag is
derived from the application's `updated_at`, its pickup details (batch, box position, outlet) and
its last stage event, so a page that sends `If-None-Match` gets a bodiless 304 when nothing changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import Request, Response
from psycopg.rows import dict_row

from services.base.db import driver_autocommit
from services.base.errors import not_found, unauthorized
from services.channels import pickup
from services.channels.residents import COOKIE, token_hash

_QUERY = """
    SELECT s.expires_at, s.channel_id AS session_channel, s.person_token, s.id_masked AS session_id_masked,
           a.application_id, a.business, a.state, a.open, a.channel_id, a.region_code,
           a.id_masked, a.name_masked, a.card_no, a.province_ref, a.reason, a.created_at, a.updated_at,
           a.batch_no, a.box_position, a.outlet_code,
           (SELECT json_agg(json_build_array(e.event_id, e.from_state, e.to_state, e.actor, e.note, e.at)
                            ORDER BY e.event_id)
              FROM channel_application_event e
             WHERE e.application_id = a.application_id) AS events
      FROM channel_resident_session s
      LEFT JOIN channel_application a
        ON a.application_id = %(application_id)s AND a.person_token = s.person_token
     WHERE s.token_hash = %(token_hash)s
"""
_FIELDS = (
    "application_id",
    "business",
    "state",
    "open",
    "channel_id",
    "region_code",
    "id_masked",
    "name_masked",
    "card_no",
    "province_ref",
    "reason",
    "created_at",
)


@dataclass(frozen=True)
class PollingResident:
    """轮询进度的居民（只供访问日志识别渠道与盲索引；不含明文证件号）。"""

    username: str
    channel_id: str
    person_token: str
    role: str = "resident"


def bearer(request: Request) -> str:
    """The resident token from `Authorization: Bearer r.…` or the H5 cookie; 401 when absent."""
    header = request.headers.get("authorization") or ""
    token = header.removeprefix("Bearer ").strip() or request.cookies.get(COOKIE, "")
    if not token.startswith("r."):
        raise unauthorized("RESIDENT_UNAUTHENTICATED", "请先通过渠道实名登录")
    return token


async def fetch(token: str, application_id: int) -> dict[str, Any]:
    """One round trip; the pooled connection is released before the caller builds anything."""
    params = {"application_id": application_id, "token_hash": token_hash(token)}
    async with driver_autocommit() as conn, conn.cursor(row_factory=dict_row) as cursor:
        row = await (await cursor.execute(_QUERY, params)).fetchone()
    if row is None or row["expires_at"] < datetime.now(UTC):
        raise unauthorized("RESIDENT_SESSION_EXPIRED", "登录已过期，请重新进入")
    return dict(row)


def _events(raw: Any) -> list[list[Any]]:
    if raw is None:
        return []
    return orjson.loads(raw) if isinstance(raw, str | bytes) else raw


def events_of(row: dict[str, Any]) -> list[list[Any]]:
    """The stage events of a fetched row: [event_id, from_state, to_state, actor, note, at (ISO)]."""
    return _events(row["events"])


def etag(row: dict[str, Any], events: list[list[Any]]) -> str:
    last = events[-1][0] if events else 0
    details = ":".join(row[k] or "" for k in pickup.FIELDS)
    seed = f"{row['application_id']}:{row['updated_at'].isoformat()}:{last}:{len(events)}:{details}"
    return '"' + hashlib.blake2b(seed.encode(), digest_size=12).hexdigest() + '"'


def body(row: dict[str, Any], events: list[list[Any]]) -> bytes:
    data = {k: row[k] for k in _FIELDS} | pickup.describe(row)
    data["timeline"] = [
        {"from_state": f, "to_state": t, "actor": a, "note": n, "at": at} for _, f, t, a, n, at in events
    ]
    return orjson.dumps(data)


def _matches(request: Request, tag: str) -> bool:
    sent = request.headers.get("if-none-match")
    if not sent:
        return False
    return sent.strip() == "*" or tag in {t.strip().removeprefix("W/") for t in sent.split(",")}


async def respond(request: Request, application_id: int) -> Response:
    """The progress response: 200 with the timeline, or 304 when `If-None-Match` still matches."""
    row = await fetch(bearer(request), application_id)
    request.state.user = PollingResident(
        row["session_id_masked"], row["session_channel"], row["person_token"]
    )
    if row["application_id"] is None:
        raise not_found("业务申请")
    events = _events(row["events"])
    tag = etag(row, events)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if _matches(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(body(row, events), media_type="application/json", headers=headers)
