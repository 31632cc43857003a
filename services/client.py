"""A small staff client: the two-factor login as a USB-key holder does it (CLI, benchmarks)."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.admin.schemas import login_message
from yikatong.crypto import sm2_sign
from yikatong.settings import get_settings


class LoginError(RuntimeError):
    """Login refused or impossible (message in Chinese)."""


def sign_challenge(private_hex: str, public_hex: str, username: str, challenge: str) -> str:
    """Hex DER SM2 signature over `ykt-login|<username>|<challenge>` (what the USB key does)."""
    return sm2_sign(private_hex, login_message(username, challenge), public_hex=public_hex).hex()


def login(client: httpx.Client, username: str, password: str, private_hex: str, public_hex: str) -> str:
    """Challenge, sign, log in; returns the session token."""
    got = client.post("/api/v1/admin/auth/challenge")
    if got.status_code != 200:
        raise LoginError(f"获取挑战码失败：{got.status_code} {got.text}")
    challenge = got.json()
    body = {
        "username": username,
        "password": password,
        "challenge_id": challenge["challenge_id"],
        "signature": sign_challenge(private_hex, public_hex, username, challenge["challenge"]),
    }
    answer = client.post("/api/v1/admin/auth/login", json=body)
    if answer.status_code != 200:
        raise LoginError(f"登录失败：{answer.json().get('message', answer.text)}")
    return answer.json()["token"]


def login_with_key_file(username: str, password: str | None, key: str | None, url: str | None) -> str:
    from services.admin import demo

    path = Path(key) if key else demo.key_file(username)
    if not path.exists():
        raise LoginError(f"找不到私钥文件 {path}")
    if password is None:
        known = {u.username: u.password for u in demo.DEMO_USERS}
        if username not in known or get_settings().profile == "prod":
            raise LoginError("请用 --password 给出口令")
        password = known[username]
    s = get_settings()
    private_hex, public_hex = demo.load_key(path)
    try:
        with httpx.Client(base_url=url or f"http://{s.api_host}:{s.api_port}", timeout=30) as client:
            return login(client, username, password, private_hex, public_hex)
    except httpx.HTTPError as exc:
        raise LoginError(f"无法连接 API：{exc}") from None
