"""演示授权（仅 demo / test）：`make run` 让一次定时共享真的有数据可交付。

In a fresh demo nobody has requested anything yet, so the day's sharing would deliver nothing. This
grants 乐山市卫生健康委员会 (WJW) the de-identified columns of ``silver.person`` for a year, as a
recorded, audited request approved by ``demo`` (never in ``prod``). The export still applies the
catalog's rules at run time: only columns that may leave do, masked where needed.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from services.base import audit
from services.base.db import utcnow
from services.catalog.access import APPROVED
from services.catalog.departments import name_of
from services.catalog.models import AccessRequest, CatalogEntry, Grant

DEPARTMENT = "WJW"
DATASET = "silver.person"
COLUMNS = [
    "person_sk",
    "id_masked",
    "name_masked",
    "sex",
    "birth_date",
    "ethnic",
    "region_code",
    "county_code",
]
ACTOR = "demo"


async def ensure_demo_grant() -> str:
    """The demo grant (created once; an existing active one is kept); one line for humans."""
    from services.base.db import sessionmaker

    async with sessionmaker()() as session:
        entry = await session.scalar(sa.select(CatalogEntry).where(CatalogEntry.key == DATASET))
        if entry is None:
            return f"目录中没有 {DATASET}，未建演示授权"
        active = sa.select(Grant.id).where(
            Grant.entry_id == entry.id,
            Grant.department == DEPARTMENT,
            Grant.revoked_at.is_(None),
            Grant.valid_until >= date.today(),
        )
        found = await session.scalar(active)
        if found is not None:
            return f"演示授权 #{found}（{DEPARTMENT} · {DATASET}）已存在"
        request = AccessRequest(
            entry_id=entry.id,
            department=DEPARTMENT,
            department_name=name_of(DEPARTMENT),
            columns=COLUMNS,
            valid_until=date.today() + timedelta(days=365),
            purpose="演示：定时共享到市共享交换平台",
            status=APPROVED,
            requested_by=ACTOR,
            decided_by=ACTOR,
            decided_at=utcnow(),
            reason="演示环境自动批准（make run，生产环境不会发生）",
        )
        session.add(request)
        await session.flush()
        grant = Grant(
            request_id=request.id,
            entry_id=entry.id,
            department=DEPARTMENT,
            columns=COLUMNS,
            valid_until=request.valid_until,
            granted_by=ACTOR,
        )
        session.add(grant)
        await session.flush()
        row = audit.entry(
            ACTOR,
            "catalog.request.decide",
            audit.OK,
            object_type="catalog_request",
            object_id=str(request.id),
            detail={"grant_id": grant.id, "department": DEPARTMENT, "dataset": DATASET, "demo": True},
        )
        await audit.append(session, [row])
        await session.commit()
        return f"演示授权 #{grant.id}（{DEPARTMENT} · {DATASET}，{len(COLUMNS)} 列）已建立"
