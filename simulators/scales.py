"""Simulation scales (规模): how many residents, events and days of history each one generates.

`ANCHOR` is the last day of generated history. It is fixed, so the output never depends on the wall
clock: the same seed and scale give the same upstream systems on any machine, on any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ANCHOR = date(2026, 11, 27)


@dataclass(frozen=True, slots=True)
class Scale:
    """One named size of the simulated city."""

    name: str
    residents: int
    events: int  # trajectory messages written by `simulators.events` over `event_days`
    event_days: int  # the window of recent activity ending at ANCHOR (settlements, payments, events)
    settlements_per_day: int  # 医保结算 rows per day in ywk_medical_settlement
    transactions_per_day: int  # 经办业务 rows per day in ywk_transaction

    @property
    def employers(self) -> int:
        """Size of the employer pool (机关事业单位 and 企业)."""
        return max(40, self.residents // 25)

    @property
    def settlements(self) -> int:
        return self.settlements_per_day * self.event_days

    @property
    def transactions(self) -> int:
        return self.transactions_per_day * self.event_days


SCALES: dict[str, Scale] = {
    "small": Scale("small", 1_000, 10_000, 30, 25, 8),
    "demo": Scale("demo", 100_000, 1_000_000, 90, 2_500, 800),
    "bench": Scale("bench", 1_000_000, 10_000_000, 90, 25_000, 8_000),
}


def get_scale(name: str) -> Scale:
    """The scale called `name`; ValueError (Chinese message) for an unknown one."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"未知规模 {name!r}，可选 small/demo/bench") from None
