"""持卡人定位：证件号码 → 盲索引令牌；令牌 → 人员（掩码、所属区县），并做区域范围检查。

Everything a staff user learns about a person passes through :func:`visible_person`: a person of
another county answers exactly like a person that does not exist (404), so a county user learns
nothing by guessing numbers or tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.base.errors import not_found
from services.base.security import Scope
from yikatong import pii, regions
from yikatong.regions import CITY

TOKEN_PATTERN = r"^[0-9a-f]{64}$"
_TOKEN = re.compile(TOKEN_PATTERN)
_PERSON = sa.text(
    "select id_token, id_masked, name_masked, sex, county_code from public.raw_person "
    "where id_token = :token limit 1"
)


@dataclass(frozen=True)
class Person:
    """一个持卡人（只含令牌、掩码与区县代码）。"""

    token: str
    id_masked: str | None
    name_masked: str | None
    sex: str | None
    county_code: str | None

    @property
    def county_name(self) -> str | None:
        return (
            regions.name(self.county_code) if self.county_code and regions.exists(self.county_code) else None
        )

    def public(self) -> dict[str, str | None]:
        return {
            "person_token": self.token,
            "id_masked": self.id_masked,
            "name_masked": self.name_masked,
            "sex": self.sex,
            "county_code": self.county_code,
            "county_name": self.county_name,
        }


def token_of(id_number: str) -> str:
    """证件号码的盲索引（与 silver 相同的 HMAC-SM3 令牌）。"""
    return pii.protector().token(id_number, "id_number")


def is_token(value: str) -> bool:
    return bool(_TOKEN.fullmatch(value))


def visible(row: Any, scope: Scope) -> Person:
    """A ``raw_person`` row (or None) as a :class:`Person` when inside ``scope``; 404 otherwise."""
    # a person without a known county belongs to the city as a whole (only city-level staff see them)
    if row is None or not scope.contains(row.county_code or CITY):
        raise not_found("人员")
    return Person(row.id_token, row.id_masked, row.name_masked, row.sex, row.county_code)


async def visible_person(conn: AsyncConnection, token: str, scope: Scope) -> Person:
    """The person behind ``token`` when inside ``scope``; 404 otherwise (missing or elsewhere)."""
    return visible((await conn.execute(_PERSON, {"token": token})).first(), scope)
