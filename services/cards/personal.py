"""Personal data on card rows (个人信息): validated, then kept as blind index + SM4 ciphertext + mask.

ID numbers are checked with GB 11643 (`yikatong.ids`), phones and card numbers by shape; a value
that fails is refused with a Chinese reason (pydantic turns the ValueError into a 422).
"""

from __future__ import annotations

import re

from yikatong import ids, pii

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAME = re.compile(r"[\u3400-\u9fff\u00b7A-Za-z][\u3400-\u9fff\u00b7A-Za-z .-]{0,48}")


def check_id_number(value: str) -> str:
    verdict = ids.check_id(value)
    if not verdict.valid:
        raise ValueError(f"公民身份号码无效：{verdict.reason}")
    return verdict.number


def check_name(value: str) -> str:
    value = value.strip()
    if not _NAME.fullmatch(value) or _CONTROL.search(value):
        raise ValueError("姓名应为 1–50 个汉字或字母")
    return value


def check_phone(value: str) -> str:
    if not ids.is_valid_phone(value):
        raise ValueError("手机号码应为 11 位，以 1 开头")
    return pii.normalise(value, "phone")


def check_card_no(value: str) -> str:
    value = value.strip().upper()
    if not ids.is_valid_card_number(value):
        raise ValueError("社会保障卡卡号应为 9 位：字母开头，如 B00000019")
    return value


def check_bank_account(value: str) -> str:
    value = pii.normalise(value, "bank_card")
    if not re.fullmatch(r"\d{12,19}", value):
        raise ValueError("银行账号应为 12–19 位数字")
    return value


def token(value: str, kind: str) -> str:
    return pii.protector().token(value, kind)


def stored(prefix: str, value: str | None, kind: str, *, with_token: bool = True) -> dict[str, str | None]:
    """Columns `<prefix>_token`, `<prefix>_cipher`, `<prefix>_masked` for one value (None stays None)."""
    field = (None, None, None) if value is None else pii.protector().protect(value, kind)
    columns = {f"{prefix}_cipher": field[1], f"{prefix}_masked": field[2]}
    return {f"{prefix}_token": field[0], **columns} if with_token else columns
