"""Who called, through which channel, which module: read from what the route's dependencies left.

The authentication dependencies put the caller on the request state (`user`: a staff
`Principal`, a `Resident` or a `PartnerPrincipal`; `device`: a kiosk), so classifying costs no
database round trip. A request that authenticated nobody is anonymous; its channel then comes from
the unverified `iss` of an H5 entry assertion (analytics only, never trusted) or from the path.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

# the channels' registry IDs (simulators/channel_idp.PROVIDERS) → the names analysts read
CHANNEL_NAMES = {"tfth": "天府通办", "zls": "智乐山", "wechat": "微信"}
KIOSK, STAFF, PARTNER, OTHER = "自助终端", "工作人员后台", "合作系统", "其他"
# path prefix → channel when nobody authenticated; first match wins
_PATH_CHANNELS = (
    ("/api/v1/device", KIOSK),
    ("/api/v1/admin", STAFF),
    ("/catalog", STAFF),
    ("/api/v1/capabilities", PARTNER),
    ("/h5", "H5（未登录）"),
    ("/api/v1/channels", "渠道接口（未登录）"),
)
# path prefix → module (子系统模块) for the usage heat; first match wins
MODULES = (
    ("/api/v1/admin/auth", "登录与会话"),
    ("/api/v1/admin/users", "账号管理"),
    ("/api/v1/admin/roles", "账号管理"),
    ("/api/v1/admin/audit", "审计"),
    ("/api/v1/admin/device", "设备管理"),
    ("/api/v1/admin/selfchecks", "远程监控"),
    ("/api/v1/admin/device-logs", "远程监控"),
    ("/api/v1/admin/alarms", "远程监控"),
    ("/api/v1/admin/work-orders", "远程监控"),
    ("/api/v1/admin/stats", "业务统计"),
    ("/api/v1/admin/catalog", "数据资源目录"),
    ("/catalog", "数据资源目录"),
    ("/api/v1/admin/knowledge", "知识库"),
    ("/api/v1/admin/partners", "平台能力"),
    ("/api/v1/capabilities", "平台能力"),
    ("/api/v1/admin/channel", "线上业务"),
    ("/api/v1/channels", "线上业务"),
    ("/h5", "H5页面"),
    ("/api/v1/device", "终端接口"),
    ("/api/v1/health", "运行状态"),
    ("/api/v1/ready", "运行状态"),
)
_CARDS = ("blank-cards", "finished-cards", "issuances", "card-batches", "writebacks")
_ASSERTION = re.compile(rb"(?:^|&)assertion=([A-Za-z0-9_-]{4,2000})")


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # resident | staff | device | partner | anonymous
    token: str | None
    channel: str
    channel_id: str | None = None


def module_of(path: str) -> str:
    """子系统模块 of a route template (or path)."""
    if path.startswith("/api/v1/admin/") and path.split("/")[4] in _CARDS:
        return "制发卡"
    for prefix, module in MODULES:
        if path.startswith(prefix):
            return module
    return path.split("/")[4] if path.startswith("/api/v1/admin/") and path.count("/") >= 4 else OTHER


def channel_name(channel_id: str) -> str:
    return CHANNEL_NAMES.get(channel_id, channel_id)[:20]


def actor_of(state: dict[str, Any], path: str, query: bytes) -> Actor:
    """The caller as the dependencies recorded it; anonymous otherwise."""
    device = state.get("device")
    if device is not None:
        return Actor("device", device.device_id, KIOSK)
    user = state.get("user")
    if user is not None:
        if hasattr(user, "person_token"):
            return Actor("resident", user.person_token, channel_name(user.channel_id), user.channel_id)
        if hasattr(user, "scopes"):
            return Actor("partner", user.username, PARTNER)
        if hasattr(user, "session_key"):
            return Actor("staff", f"staff:{user.id}", STAFF)
    return _anonymous(path, query)


def _anonymous(path: str, query: bytes) -> Actor:
    if path == "/h5/enter":
        issuer = _claimed_issuer(query)
        if issuer:
            return Actor("anonymous", None, channel_name(issuer), issuer[:32])
    for prefix, channel in _PATH_CHANNELS:
        if path.startswith(prefix):
            return Actor("anonymous", None, channel)
    return Actor("anonymous", None, OTHER)


def _claimed_issuer(query: bytes) -> str | None:
    """The `iss` an H5 entry assertion claims (not verified: it only labels the visit)."""
    found = _ASSERTION.search(query)
    if not found:
        return None
    claims = found.group(1).split(b".", 1)[0]
    try:
        issuer = json.loads(base64.urlsafe_b64decode(claims + b"=" * (-len(claims) % 4))).get("iss")
    except (ValueError, AttributeError):
        return None
    return issuer if isinstance(issuer, str) and issuer.isascii() and issuer.isprintable() else None
