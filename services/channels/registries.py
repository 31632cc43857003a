"""What the holder database (参保人员持卡库) and the insurance database (全民参保库) already know about a
resident: read-only lookups that prefill the smart forms and back the insurance eligibility check.

Both are other organisations' systems, reached here as their PostgreSQL databases (`src_holder`,
`src_insurance`; simulated locally by `ykt simulate`, names in `YKT_CHANNEL_HOLDER_DATABASE` /
`YKT_CHANNEL_INSURANCE_DATABASE`). Each lookup is one indexed query on the ID number (`AAC002`)
through a small pool of its own. A system that is not there (not generated yet, or down) is not the
resident's fault: the prefill says so and leaves the fields empty; the eligibility check answers
503 `INSURANCE_UNAVAILABLE` and nothing is written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from yikatong import db

SCHEMES = {
    "110": "企业职工基本养老保险",
    "120": "机关事业单位养老保险",
    "170": "城乡居民基本养老保险",
    "310": "职工基本医疗保险",
    "390": "城乡居民基本医疗保险",
    "410": "工伤保险",
    "210": "失业保险",
    "510": "生育保险",
}
ENROLMENT_STATES = {"1": "参保缴费", "2": "暂停缴费", "3": "终止参保", "4": "享受待遇"}
ACTIVE_STATES = ("1", "4")


class Sources(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YKT_CHANNEL_", extra="ignore")

    holder_database: str = "src_holder"
    insurance_database: str = "src_insurance"


@functools.cache
def sources() -> Sources:
    return Sources()


class Unavailable(Exception):
    """The database is missing or does not answer."""


@dataclass(frozen=True)
class Enrolment:
    scheme_code: str
    scheme: str
    state: str
    region_code: str | None
    since: str | None

    @property
    def active(self) -> bool:
        return self.state in (ENROLMENT_STATES[s] for s in ACTIVE_STATES)


@dataclass(frozen=True)
class Holder:
    """持卡库中的持卡人：联系方式、地址、监护人与卡（含历史卡）。"""

    name: str | None
    phone: str | None
    address: str | None
    postcode: str | None
    birth_date: date | None
    guardian_id_type: str | None
    guardian_id_number: str | None
    guardian_name: str | None
    cards: list[dict[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Insured:
    """全民参保库中的人员：常住地址、电话与各险种参保状态。"""

    name: str | None
    phone: str | None
    address: str | None
    postcode: str | None
    region_code: str | None
    enrolments: list[Enrolment] = field(default_factory=list)

    @property
    def enrolled(self) -> bool:
        return any(e.active for e in self.enrolments)


async def _rows(database: str, query: str, **params) -> list[sa.RowMapping]:
    try:
        async with db.async_engine(database, pool_size=4).connect() as conn:
            return list((await conn.execute(sa.text(query), params)).mappings())
    except (OperationalError, ProgrammingError, DBAPIError, OSError) as exc:
        raise Unavailable(database) from exc


async def holder(id_number: str) -> Holder | None:
    """The 持卡库 record of `id_number` (None when the person holds no card there)."""
    database = sources().holder_database
    people = await _rows(
        database,
        "select aac003, lxdh, txdz, yzbm, csrq, jhrzjlx, jhrzjhm, jhrxm from cyk_holder"
        " where aac002 = :id order by aae036 desc limit 1",
        id=id_number,
    )
    cards = await _rows(
        database,
        "select aaz500, kzt, yhmc, fkrq, yxqz from cyk_card where aac002 = :id order by fkrq desc nulls last",
        id=id_number,
    )
    if not people and not cards:
        return None
    p = people[0] if people else {}
    return Holder(
        name=p.get("aac003"),
        phone=p.get("lxdh"),
        address=p.get("txdz"),
        postcode=p.get("yzbm"),
        birth_date=p.get("csrq"),
        guardian_id_type=p.get("jhrzjlx"),
        guardian_id_number=p.get("jhrzjhm"),
        guardian_name=p.get("jhrxm"),
        cards=[
            {
                "card_no": c["aaz500"],
                "status": c["kzt"],
                "bank": c["yhmc"],
                "issued_on": str(c["fkrq"]) if c["fkrq"] else None,
                "valid_until": str(c["yxqz"]) if c["yxqz"] else None,
            }
            for c in cards
        ],
    )


async def insured(id_number: str) -> Insured | None:
    """The 全民参保库 record of `id_number` with its enrolments (None when not registered)."""
    database = sources().insurance_database
    people = await _rows(
        database,
        "select aac001, aac003, aae005, aae006, aae007, aab301 from qmcb_person where aac002 = :id"
        " order by aae036 desc limit 1",
        id=id_number,
    )
    if not people:
        return None
    p = people[0]
    enrolments = await _rows(
        database,
        "select aae140, aac008, aab301, aac030 from qmcb_enrolment where aac001 = :pid order by aae140",
        pid=p["aac001"],
    )
    return Insured(
        name=p["aac003"],
        phone=p["aae005"],
        address=p["aae006"],
        postcode=p["aae007"],
        region_code=p["aab301"],
        enrolments=[
            Enrolment(
                e["aae140"],
                SCHEMES.get(e["aae140"], e["aae140"]),
                ENROLMENT_STATES.get(e["aac008"], e["aac008"]),
                e["aab301"],
                e["aac030"],
            )
            for e in enrolments
        ],
    )
