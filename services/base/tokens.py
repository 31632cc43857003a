"""会话令牌：`<随机会话号>.<HMAC-SM3 标签>`；数据库只存会话号的 SM3 摘要。

The tag (keyed with `YKT_SESSION_SECRET`) lets a forged token be refused without a database
round trip; the session row (timeouts, logout) decides whether a genuine token is still valid.
"""

from __future__ import annotations

import functools
import hmac
import secrets

from yikatong.crypto import HmacSm3, sm3_hex
from yikatong.settings import get_settings

_TAG_HEX = 32


@functools.cache
def _mac(secret: str) -> HmacSm3:
    return HmacSm3(secret.encode(), prefix=b"ykt-staff-session\x1f")


def _tag(session_id: str) -> str:
    return _mac(get_settings().session_secret).digest(session_id.encode()).hex()[:_TAG_HEX]


def new_token() -> tuple[str, str]:
    """A fresh token and the hash under which its session row is stored."""
    session_id = secrets.token_urlsafe(32)
    return f"{session_id}.{_tag(session_id)}", sm3_hex(session_id.encode())


def token_hash(token: str) -> str | None:
    """The session row's key for a genuine token; None for anything forged or malformed."""
    session_id, sep, tag = token.partition(".")
    if not sep or not session_id or len(token) > 200:
        return None
    if not hmac.compare_digest(_tag(session_id), tag):
        return None
    return sm3_hex(session_id.encode())
