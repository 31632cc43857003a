"""时间线游标：上一页最后一条的 (发生时间, 事件编号)，base64url 编码，对调用方不透明。"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from services.base.errors import invalid


def encode(occurred_at: datetime, event_id: str) -> str:
    raw = f"{occurred_at.isoformat()}|{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    """The position a cursor names; 422 ``CURSOR_INVALID`` for anything this API did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, event_id = raw.split("|", 1)
        moment = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("CURSOR_INVALID", "分页游标无效，请从第一页重新查询") from None
    if moment.tzinfo is None or not event_id or len(event_id) > 64:
        raise invalid("CURSOR_INVALID", "分页游标无效，请从第一页重新查询")
    return moment, event_id
