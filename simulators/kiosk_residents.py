"""到自助机即时办卡的居民：从模拟的上游系统（全民参保库、省卡管）中取出、按县分组的真实居民。

The kiosk fleet's card business otherwise uses synthetic people; instant issuance (即时申领 / 即时补换卡)
goes through the platform's checks against the province, so the people who walk up must exist there:

- 申领: enrolled in the 全民参保库 (参保缴费 or 享受待遇), 16 or older, no usable card (正常 / 临时挂失 /
  待激活) and no open application in the card system;
- 换卡: holders of a 正常 card; 补卡: holders of a lost card (临时挂失 / 正式挂失).

Read once when a live fleet starts (read-only), in an order fixed by the seed; each resident is
handed out once (`WalkIns.take`). The `make run` demo resident (`<home>/demo-resident/resident.json`)
is never taken: the H5 demo needs that person without a card.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, ProgrammingError

from yikatong import db
from yikatong.settings import get_settings

BUSINESSES = ("申领", "换卡", "补卡")
_APPLICANTS = sa.text(
    "select p.aac002, p.aac003 from qmcb_person p"
    " where p.aac002 like :county || '%' and length(p.aac002) = 18"
    " and substr(p.aac002, 7, 8) <= :adult_born"
    " and exists (select 1 from qmcb_enrolment e where e.aac001 = p.aac001 and e.aac008 in ('1', '4'))"
    " order by md5(p.aac002 || :seed) limit :n"
)
_WITH_CARD = sa.text(
    "select c.aac002, c.aac003 from kgl_card c where c.aac002 like :county || '%'"
    " and c.aaz502 = any(:statuses) and c.aac003 is not null order by md5(c.aac002 || :seed) limit :n"
)
_BLOCKED = sa.text(
    "select aac002 from kgl_card where aac002 = any(:ids) and aaz502 in ('0', '1', '4')"
    " union select aac002 from kgl_apply where aac002 = any(:ids) and shzt = '0'"
)
_STATUSES = {"换卡": ["1"], "补卡": ["2", "4"]}


@dataclass(frozen=True)
class Resident:
    id_number: str
    name: str
    business: str  # 申领 / 换卡 / 补卡: what they come for (and may do)


@dataclass
class WalkIns:
    """Residents per (county, business), each handed out once."""

    queues: dict[tuple[str, str], list[Resident]] = field(default_factory=dict)

    def take(self, county: str, business: str, rng: random.Random) -> Resident | None:
        queue = self.queues.get((county, business))
        return queue.pop(rng.randrange(len(queue))) if queue else None

    def sizes(self) -> dict[str, int]:
        return {f"{c}:{b}": len(q) for (c, b), q in sorted(self.queues.items())}


def _demo_resident() -> str | None:
    path = get_settings().home / "demo-resident" / "resident.json"
    try:
        return json.loads(path.read_text())["id_number"]
    except (OSError, ValueError, KeyError):
        return None


def load(
    counties: list[str],
    *,
    seed: int,
    per_county: int = 60,
    card_database: str | None = None,
    insurance_database: str | None = None,
) -> WalkIns:
    """Up to `per_county` residents per county and business; a missing system gives none of its kind."""
    from services.channels.registries import sources
    from simulators.sources.card_system import DATABASE as CARDS

    cards = db.engine(card_database or CARDS)
    insurance = db.engine(insurance_database or sources().insurance_database)
    adult_born = (date.today() - timedelta(days=16 * 366)).strftime("%Y%m%d")
    skip = {_demo_resident()}
    walk_ins = WalkIns()
    for county in counties:
        args = {"county": county, "seed": str(seed), "n": per_county * 3}
        try:
            with insurance.connect() as conn:
                found = conn.execute(_APPLICANTS, args | {"adult_born": adult_born}).all()
            with cards.connect() as conn:
                blocked = {r[0] for r in conn.execute(_BLOCKED, {"ids": [r[0] for r in found]})}
                applicants = [Resident(i, n, "申领") for i, n in found if i not in blocked | skip]
                walk_ins.queues[(county, "申领")] = applicants[:per_county]
                for business, statuses in _STATUSES.items():
                    rows = conn.execute(_WITH_CARD, args | {"n": per_county, "statuses": statuses}).all()
                    walk_ins.queues[(county, business)] = [
                        Resident(i, n, business) for i, n in rows if i not in skip
                    ]
        except (OperationalError, ProgrammingError):  # not generated yet: nobody walks in for it
            continue
    return walk_ins
