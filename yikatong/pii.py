"""Personal data protection (个人信息保护): display masking (脱敏), blind indexes and field encryption.

Each personal field is stored three ways (see :class:`ProtectedField`): a blind index (盲索引,
HMAC-SM3 of the normalised value) for exact-match lookups, an SM4-GCM ciphertext made through a
:class:`~yikatong.crypto.KeyRing` with the field kind as AAD, and a masked form for display.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple, TypeVar

from yikatong.crypto import HmacSm3, KeyRing
from yikatong.settings import get_settings

__all__ = [
    "COMPOUND_SURNAMES",
    "KINDS",
    "PiiProtector",
    "ProtectedField",
    "mask",
    "mask_address",
    "mask_bank_card",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "masks",
    "normalise",
]

_T = TypeVar("_T")

KINDS = ("id_number", "name", "phone", "bank_card", "address")
MASK_CHAR = "*"
ADDRESS_MASK = "****"

# 复姓: the two-character family names that keep two characters when masking a name.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "澹台",
        "呼延",
        "万俟",
        "单于",
    }
)

# --------------------------------------------------------------------------------------------
# Masking (脱敏显示)
# --------------------------------------------------------------------------------------------


def _keep_ends(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters; mask the rest one-for-one."""
    hidden = len(value) - head - tail
    return value[:head] + MASK_CHAR * hidden + value[len(value) - tail :]


def _proportional(length: int, head_cap: int, tail_cap: int) -> tuple[int, int]:
    """How many leading/trailing characters a non-standard value may show.

    At most ``head_cap + tail_cap`` and at most half the length, split in the ratio of the caps
    (rounded half up), so short values show proportionally less.
    """
    caps = head_cap + tail_cap
    keep = min(caps, length // 2)
    head = (2 * keep * head_cap + caps) // (2 * caps)
    return head, keep - head


def _mask_by_rule(value: str | None, standard: re.Pattern[str], head: int, tail: int) -> str | None:
    """Show ``head`` + ``tail`` for values of the ``standard`` shape, proportionally less otherwise."""
    if not value:
        return value
    if standard.fullmatch(value):
        return _keep_ends(value, head, tail)
    return _keep_ends(value, *_proportional(len(value), head, tail))


_MAINLAND_ID = re.compile(r"\d{17}[\dXx]")
_MOBILE = re.compile(r"1\d{10}")
_CARD_PAN = re.compile(r"\d{13,19}")


def mask_id_number(value: str | None) -> str | None:
    """身份证号: first 6 + last 4 for an 18-character mainland ID (``511102********1234``).

    Other document numbers (passports, 通行证, 15-digit IDs) show proportionally less: never more
    than 6 + 4 and never more than half of the characters.
    """
    return _mask_by_rule(value, _MAINLAND_ID, 6, 4)


def mask_phone(value: str | None) -> str | None:
    """手机号: first 3 + last 4 of an 11-digit mobile number (``138****8000``); others at most half."""
    return _mask_by_rule(value, _MOBILE, 3, 4)


def mask_bank_card(value: str | None) -> str | None:
    """银行卡号: first 6 + last 4 of a 13-19 digit card number; other values at most half."""
    return _mask_by_rule(value, _CARD_PAN, 6, 4)


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def mask_name(value: str | None) -> str | None:
    """姓名: keep the family name (``张*``, ``欧阳**``); a two-character name keeps one character.

    Compound surnames (复姓, :data:`COMPOUND_SURNAMES`) keep two characters when the name is
    longer than two. Non-Chinese names keep their first letter. Surrounding spaces are dropped.
    """
    if not value:
        return value
    name = value.strip()
    if len(name) <= 1:
        return MASK_CHAR * len(name)
    keep = 2 if len(name) > 2 and _HAN.match(name) and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + MASK_CHAR * (len(name) - keep)


# One administrative level: a first character that is not street-level, then up to ``n`` more
# that are not street-level and not 镇/乡/小/社 (镇雄县, 乡城县, 小金县 and 镇江市 start with them;
# inside a name they mark 镇, 乡, 小区, 社区), then the level's suffix. Digits and 路街巷号弄村楼栋室
# never appear in division names, so the kept prefix cannot reach a street or house number. A
# county is only recognised after a province or city, so "海棠小区3栋" is not taken for one.
_STREET = r"\d\s路街巷号弄村楼栋室"
_LEVEL = r"[^{street}{stop}][^{street}{stop}镇乡小社]{{0,{n}}}?(?:{suffix})"
_PROVINCE = _LEVEL.format(street=_STREET, stop="市区县旗", n=8, suffix="省|自治区|特别行政区")
_CITY = _LEVEL.format(street=_STREET, stop="区县旗", n=10, suffix="市|自治州|地区|盟")
_COUNTY = _LEVEL.format(street=_STREET, stop="区县旗", n=12, suffix="区|县|市|旗")
_TO_COUNTY = re.compile(rf"(?:{_PROVINCE})?{_CITY}{_COUNTY}|{_PROVINCE}{_COUNTY}")
_TO_CITY = re.compile(rf"(?:{_PROVINCE})?{_CITY}|{_PROVINCE}")


def mask_address(value: str | None) -> str | None:
    """地址: keep the text up to the county-level division and mask the rest.

    ``四川省乐山市市中区海棠街道xx路12号`` → ``四川省乐山市市中区****``. Without a recognisable
    county the address is kept to the city (or province); with neither it is masked entirely.
    """
    if not value:
        return value
    text = value.strip()
    match = _TO_COUNTY.match(text) or _TO_CITY.match(text)
    kept = match.group() if match else ""
    return text if kept == text else kept + ADDRESS_MASK


_MASKERS: dict[str, Callable[[str | None], str | None]] = {
    "id_number": mask_id_number,
    "name": mask_name,
    "phone": mask_phone,
    "bank_card": mask_bank_card,
    "address": mask_address,
}


def _lookup(table: dict[str, _T], kind: str) -> _T:
    try:
        return table[kind]
    except KeyError:
        raise ValueError(f"unknown personal-data kind {kind!r}; expected one of {KINDS}") from None


def mask(value: str | None, kind: str) -> str | None:
    """Mask ``value`` for display according to its ``kind`` (one of :data:`KINDS`)."""
    return _lookup(_MASKERS, kind)(value)


def masks(values: Iterable[str | None], kind: str) -> list[str | None]:
    """Mask many values of one kind."""
    masker = _lookup(_MASKERS, kind)
    return [masker(value) for value in values]


# --------------------------------------------------------------------------------------------
# Normalisation, blind indexes (盲索引) and encryption
# --------------------------------------------------------------------------------------------


def _compact(value: str) -> str:
    return "".join(value.split()).replace("-", "")


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "id_number": lambda value: value.strip().upper(),
    "name": str.strip,
    "phone": _compact,
    "bank_card": _compact,
    "address": str.strip,
}


def normalise(value: str, kind: str) -> str:
    """The form a value is indexed in.

    Stripped; ID numbers upper-case (``x`` → ``X``); phone and card numbers without spaces or dashes.
    """
    return _lookup(_NORMALISERS, kind)(value)


class ProtectedField(NamedTuple):
    """A personal value as stored: blind index, key-ring ciphertext and display mask."""

    token: str
    cipher: str
    masked: str


class PiiProtector:
    """Blind indexes and encryption of personal fields.

    ``token_key`` (at least 16 bytes) keys the HMAC-SM3 blind index and should differ from the
    encryption keys in ``keyring``. Tokens are deterministic, so equal values can be found by
    exact match without decrypting; the kind is part of the MAC input, so an ID number and a
    phone number never share a token.
    """

    __slots__ = ("_aad", "_keyring", "_macs")

    def __init__(self, token_key: bytes, keyring: KeyRing) -> None:
        if len(token_key) < 16:
            raise ValueError("the blind-index key must be at least 16 bytes")
        self._keyring = keyring
        self._macs = {kind: HmacSm3(token_key, prefix=f"{kind}\x1f".encode()) for kind in KINDS}
        self._aad = {kind: kind.encode() for kind in KINDS}

    def token(self, value: str, kind: str) -> str:
        """Blind index: hex HMAC-SM3 over ``kind + "\\x1f" + normalise(value)``."""
        normalised = normalise(value, kind)
        if not normalised:
            raise ValueError("cannot index an empty value")
        return self._macs[kind].digest(normalised.encode()).hex()

    def tokens(self, values: Iterable[str | None], kind: str) -> list[str | None]:
        """Blind indexes of many values of one kind; ``None`` for ``None`` or blank values."""
        digest = _lookup(self._macs, kind).digest
        normaliser = _NORMALISERS[kind]
        return [
            digest(normalised.encode()).hex()
            if value is not None and (normalised := normaliser(value))
            else None
            for value in values
        ]

    def encrypt(self, value: str, kind: str) -> str:
        """SM4-GCM ciphertext of ``value`` (as stored, not normalised) with ``kind`` as AAD."""
        return self._keyring.encrypt(value.encode(), _lookup(self._aad, kind))

    def decrypt(self, text: str, kind: str) -> str:
        """Inverse of :meth:`encrypt`; raises ``CryptoError`` if the kind or data do not match."""
        return self._keyring.decrypt(text, _lookup(self._aad, kind)).decode()

    def protect(self, value: str, kind: str) -> ProtectedField:
        """Token, ciphertext and mask of one value."""
        return ProtectedField(self.token(value, kind), self.encrypt(value, kind), mask(value, kind))

    @staticmethod
    def masks(values: Iterable[str | None], kind: str) -> list[str | None]:
        """Mask many values of one kind (same as :func:`masks`)."""
        return masks(values, kind)


@functools.cache
def protector() -> PiiProtector:
    """The process-wide protector keyed from settings (`YKT_TOKEN_KEY`, `YKT_SM4_KEYS`)."""
    s = get_settings()
    return PiiProtector(bytes.fromhex(s.token_key), KeyRing.from_spec(s.sm4_keys, s.sm4_active_key))
