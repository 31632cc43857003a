"""演示账号（仅 demo/test 配置）：口令公开写在这里，USB Key 私钥存放在 `<home>/demo-keys/`。

Creating them is idempotent. A key file that is missing is regenerated and the account's public
key updated, so a moved or wiped home directory still gives usable logins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.base import passwords
from services.base.models import StaffUser
from services.base.permissions import Role
from yikatong.crypto import sm2_generate_keypair
from yikatong.settings import get_settings


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    region_code: str
    password: str


DEMO_USERS = (
    DemoUser("sysadmin", "系统管理员（市级）", Role.SYSTEM_ADMIN, "511100", "Ykt@Sys2026!"),
    DemoUser("secadmin", "安全管理员（市级）", Role.SECURITY_ADMIN, "511100", "Ykt@Sec2026!"),
    DemoUser("auditor", "审计管理员（市级）", Role.AUDITOR, "511100", "Ykt@Audit2026!"),
    DemoUser("szq_admin", "市中区区域管理员", Role.REGION_ADMIN, "511102", "Ykt@Szq2026!"),
    DemoUser("szq_operator", "市中区业务经办", Role.OPERATOR, "511102", "Ykt@Opr2026!"),  # 渠道前台受理
)


def keys_dir() -> Path:
    return get_settings().home / "demo-keys"


def key_file(username: str) -> Path:
    return keys_dir() / f"{username}.sm2.json"


def load_key(path: Path) -> tuple[str, str]:
    """(private_hex, public_hex) from a key file written by `ensure_demo_users`."""
    data = json.loads(path.read_text())
    return data["private_key"], data["public_key"]


def _key_for(user: DemoUser) -> tuple[str, str, bool]:
    path = key_file(user.username)
    if path.exists():
        return (*load_key(path), False)
    pair = sm2_generate_keypair()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(
        json.dumps(
            {
                "username": user.username,
                "private_key": pair.private_hex,
                "public_key": pair.public_hex,
                "note": "演示用 USB Key 私钥，切勿用于生产",
            }
        )
    )
    path.chmod(0o600)
    return pair.private_hex, pair.public_hex, True


def ensure_demo_users(session: Session) -> list[str]:
    """Create (or repair the keys of) the demo users; returns the usernames created."""
    if get_settings().profile == "prod":
        raise RuntimeError("生产环境不创建演示账号 / no demo users in the prod profile")
    created = [user.username for user in DEMO_USERS if ensure_user(session, user)]
    session.commit()
    return created


def demo_user(username: str) -> DemoUser:
    """The declared demo user of that name (KeyError when there is none)."""
    for user in DEMO_USERS:
        if user.username == username:
            return user
    raise KeyError(username)


def ensure_user(session: Session, user: DemoUser) -> bool:
    """Create one demo user (or repair its key) in ``session``, uncommitted; True when created."""
    _, public, fresh_key = _key_for(user)
    row = session.scalar(sa.select(StaffUser).where(StaffUser.username == user.username))
    if row is None:
        session.add(
            StaffUser(
                username=user.username,
                display_name=user.display_name,
                role=user.role,
                region_code=user.region_code,
                sm2_public_key=public,
                created_by="demo",
                password_hash=passwords.hash_password(user.password),
            )
        )
        return True
    if fresh_key or row.sm2_public_key != public:
        row.sm2_public_key = public
    return False


def logins_text() -> str:
    return "；".join(f"{u.role.label} {u.username} / {u.password}" for u in DEMO_USERS)
