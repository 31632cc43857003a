"""The simulated upstream systems, one module and one database each, in their own native shapes.

| module | database | system |
|---|---|---|
| `card_system` | `src_card_system` | 省卡管系统: card master, applications and stages, batches, 回盘 |
| `insurance` | `src_insurance` | 全民参保库: persons and enrolments |
| `holder` | `src_holder` | 参保人员持卡库: holders, cards, status history, bank accounts |
| `business` | `src_business` | 社保业务信息库: benefit payments, medical settlements, transactions |

Every database also has `dirt_manifest`, the rows `simulators.dirt` spoiled in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.sources import business, card_system, holder, insurance


@dataclass(frozen=True, slots=True)
class System:
    database: str
    ddl: str
    finish: str  # primary keys, indexes, ANALYZE: run after loading
    tables: tuple[str, ...]  # load order
    keys: dict[str, str]  # primary key column of every table rows can be spoiled in


def _system(module) -> System:
    return System(module.DATABASE, module.DDL, module.FINISH, module.TABLES, module.KEYS)


SYSTEMS: dict[str, System] = {m.DATABASE: _system(m) for m in (card_system, insurance, holder, business)}

__all__ = ["SYSTEMS", "System", "business", "card_system", "holder", "insurance"]
