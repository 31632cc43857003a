"""Identity numbers: 公民身份号码 (GB 11643-1999, also the 社会保障号码), card numbers, bank cards, phones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from yikatong import regions

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_CARD_NO = re.compile(r"^[A-Z][0-9A-Z]\d{7}$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
              "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
              "65", "71", "81", "82", "83", "91"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The verdict on one ID number; `reason` is Chinese, `code` machine-readable."""

    number: str
    valid: bool
    code: str = "ok"
    reason: str = "有效"
    warning: str | None = None
    birth_date: date | None = None
    sex: str | None = None  # 男 / 女


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize_id(number: str) -> str:
    return number.strip().upper()


def check_id(number: str, today: date | None = None) -> IdCheck:
    """Validate a citizen ID number: shape, province, birth date (leap years), check character.

    An address code outside the current tree is a warning, not a refusal (retired codes exist).
    """
    n = normalize_id(number)
    if len(n) != 18:
        return IdCheck(n, False, "bad_length", f"长度应为18位，实际{len(n)}位")
    if not _ID_SHAPE.match(n):
        return IdCheck(n, False, "bad_chars", "前17位必须为数字，末位为数字或X")
    if n[:2] not in _PROVINCES:
        return IdCheck(n, False, "bad_province", f"省级代码{n[:2]}不存在")
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return IdCheck(n, False, "bad_birth_date", f"出生日期{n[6:14]}不是有效日期")
    if born > (today or date.today()) or born.year < 1880:
        return IdCheck(n, False, "bad_birth_date", f"出生日期{n[6:14]}不合理")
    expected = check_char(n[:17])
    if n[17] != expected:
        return IdCheck(n, False, "bad_check_digit", f"校验码错误：应为{expected}，实际为{n[17]}")
    warning = None
    if n.startswith("5111") and not regions.exists(n[:6]):
        warning = f"地址码{n[:6]}不在现行乐山市区划中（可能为已撤销代码）"
    sex = "男" if int(n[16]) % 2 else "女"
    return IdCheck(n, True, warning=warning, birth_date=born, sex=sex)


def is_valid_id(number: str) -> bool:
    return check_id(number).valid


def generate_ids(
    rng: np.random.Generator, address_codes: np.ndarray, birth_dates: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """Vectorised generation of valid ID numbers (array of str).

    `birth_dates` is datetime64[D]; the 3-digit sequence is random with parity by sex.
    """
    n = len(address_codes)
    seq = rng.integers(0, 500, n) * 2 + np.where(male, 1, 0)
    births = np.datetime_as_string(birth_dates, unit="D").astype("U10")
    ymd = np.char.replace(births, "-", "")
    first17 = np.char.add(np.char.add(address_codes.astype("U6"), ymd), np.char.zfill(seq.astype("U3"), 3))
    digits = first17.view("U1").reshape(n, 17).astype(np.int64)
    sums = (digits * np.array(WEIGHTS)).sum(axis=1) % 11
    checks = np.array(list(CHECK_CHARS))[sums]
    return np.char.add(first17, checks)


def luhn_check_digit(partial: str) -> str:
    """The Luhn digit that completes `partial` (bank card numbers)."""
    total = 0
    for i, d in enumerate(reversed(partial)):
        v = int(d) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return str((10 - total % 10) % 10)


def is_valid_bank_card(number: str) -> bool:
    n = number.replace(" ", "")
    return n.isdigit() and 16 <= len(n) <= 19 and luhn_check_digit(n[:-1]) == n[-1]


def generate_bank_cards(rng: np.random.Generator, bins: np.ndarray) -> np.ndarray:
    """Vectorised 19-digit bank card numbers with a valid Luhn digit, from 6-digit BINs."""
    n = len(bins)
    body = np.char.add(bins.astype("U6"), np.char.zfill(rng.integers(0, 10**12, n).astype("U12"), 12))
    digits = body.view("U1").reshape(n, 18).astype(np.int64)[:, ::-1]
    doubled = digits[:, 0::2] * 2
    total = (np.where(doubled > 9, doubled - 9, doubled).sum(1) + digits[:, 1::2].sum(1)) % 10
    return np.char.add(body, ((10 - total) % 10).astype("U1"))


def is_valid_card_number(number: str) -> bool:
    """社保卡卡号: 9 characters, a letter then letters/digits (e.g. `B00000019`)."""
    return bool(_CARD_NO.match(number))


def format_card_numbers(prefix: str, serials: np.ndarray) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(serials.astype("U8"), 8))


def is_valid_phone(number: str) -> bool:
    return bool(_PHONE.match(number.replace(" ", "").replace("-", "")))
