"""目录同步（`ykt catalog sync`）：把代码中声明的数据集与资源项登记进目录，幂等。

New entries are inserted; existing ones get the registry's current proposal for every field a
steward has not edited (``entry.edited``), and each change is kept in the history under the actor
``sync``. A second run with nothing changed in the code writes nothing but its audit row.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import audit
from services.base.db import utcnow
from services.catalog.models import CatalogChange, CatalogEntry

SYNCED_FIELDS = (
    "kind",
    "title",
    "description",
    "owner",
    "sensitivity",
    "openness",
    "update_frequency",
    "source",
    "location",
    "columns",
    "upstream",
    "registered_from",
)
ACTOR = "sync"


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    @property
    def detail(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "total": self.total}


def _text(value) -> str | None:
    import json

    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


async def apply(session: AsyncSession, specs: list[dict]) -> SyncResult:
    """Upsert `specs` (from :func:`services.catalog.registry.discover`); the caller audits and commits."""
    existing = {e.key: e for e in (await session.scalars(sa.select(CatalogEntry))).all()}
    result, now = SyncResult(), utcnow()
    for item in specs:
        entry = existing.get(item["key"])
        if entry is None:
            session.add(
                CatalogEntry(
                    **{f: item[f] for f in ("key", *SYNCED_FIELDS)},
                    edited=[],
                    synced_at=now,
                    updated_at=now,
                    updated_by=ACTOR,
                )
            )
            result.added += 1
            continue
        changes = [f for f in SYNCED_FIELDS if f not in entry.edited and getattr(entry, f) != item[f]]
        for field in changes:
            session.add(
                CatalogChange(
                    entry_id=entry.id,
                    actor=ACTOR,
                    field=field,
                    old=_text(getattr(entry, field)),
                    new=_text(item[field]),
                )
            )
            setattr(entry, field, item[field])
        entry.synced_at = now
        if changes:
            entry.updated_at, entry.updated_by = now, ACTOR
            result.updated += 1
        else:
            result.unchanged += 1
    return result


async def run() -> SyncResult:
    """Discover everything the code declares and apply it to the `ops` database."""
    from services.base.db import sessionmaker
    from services.catalog import registry

    specs = registry.discover()
    async with sessionmaker()() as session:
        result = await apply(session, specs)
        row = audit.entry(ACTOR, "catalog.sync", audit.OK, object_type="catalog", detail=result.detail)
        await audit.append(session, [row])
        await session.commit()
        return result
