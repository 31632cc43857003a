"""口令：argon2id 摘要与复杂度规则（等保三级：口令复杂度、定期更换由安全管理员执行）。

Rules: 10–64 characters, at least three of upper-case letters, lower-case letters, digits and
symbols, and not containing the username.
"""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH, MAX_LENGTH = 10, 64
RULES_TEXT = "口令须为 10–64 位，至少包含大写字母、小写字母、数字、特殊字符中的三类，且不得包含用户名"
_CLASSES = (re.compile(r"[A-Z]"), re.compile(r"[a-z]"), re.compile(r"\d"), re.compile(r"[^A-Za-z0-9]"))


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106 low-memory defaults


def complexity_problems(password: str, username: str = "") -> list[str]:
    """Why a password breaks the rules (empty when it meets them), in Chinese."""
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(f"长度应为 {MIN_LENGTH}–{MAX_LENGTH} 位")
    if sum(bool(c.search(password)) for c in _CLASSES) < 3:
        problems.append("应至少包含大写字母、小写字母、数字、特殊字符中的三类")
    if username and username.lower() in password.lower():
        problems.append("不得包含用户名")
    return problems


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# Verified when the username is unknown, so that case costs the same time as a wrong password.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$qUUeVny/D4dlHTZPOy28TQ$QStlU/s5FEioTeoVxPDVx5sP3JkdVs/IDwwnfNRJdCY"
)
