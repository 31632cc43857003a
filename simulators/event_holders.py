"""Card holders as the event stream sees them: who can use a card, how often, and what they are paid.

Built once per world (a few seconds at bench scale) and shared by every day's generation, so
that a single day regenerated alone (`ykt simulate --advance 1d`) draws from the same people with
the same habits as a full run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators.event_scenarios import GROUP_BOUNDS
from simulators.event_venues import COUNTY_CODES, township_index
from simulators.scales import ANCHOR

# Relative activity per age group (儿童 / 学生 / 在职年龄 / 老年): children use it little (公交, 图书馆).
_GROUP_ACTIVITY = np.array([0.25, 1.0, 1.0, 0.7])
# 养老金 paid per county on its own day of the month (发放日 5..15), so the batches don't coincide.
PENSION_DAY = {county: 5 + i for i, county in enumerate(COUNTY_CODES)}
ALLOWANCE_DAY = 20  # 高龄津贴 for people aged 80 and over


@dataclass(frozen=True, slots=True)
class Holders:
    """One row per card in status 正常, ordered by issue date (a day sees a prefix of the rows)."""

    card_no: pa.Array
    id_number: pa.Array
    issue_day: np.ndarray  # days since 1970-01-01
    group: np.ndarray  # index into GROUPS
    age: np.ndarray
    county: np.ndarray  # index into COUNTY_CODES
    town: np.ndarray  # index into regions.townships()
    cdf: np.ndarray  # cumulative activity weight (who uses the card how much)
    pension: np.ndarray  # monthly pension (yuan), NaN for non-pensioners

    def __len__(self) -> int:
        return len(self.issue_day)

    def eligible(self, day: date) -> int:
        """How many holders had their card by `day` (a prefix of the rows)."""
        return int(np.searchsorted(self.issue_day, _days(day), "right"))

    def draw(self, rng: np.random.Generator, n: int, day: date) -> np.ndarray:
        """`n` holders with probability ∝ activity, among those whose card was issued by `day`."""
        k = self.eligible(day)
        if k == 0 or n == 0:
            return np.zeros(0, np.int64)
        picks = np.searchsorted(self.cdf, rng.random(n) * self.cdf[k - 1], "right")
        return np.minimum(picks, k - 1)

    def pensioners_paid_on(self, day: date) -> np.ndarray:
        """Pensioners whose county pays on this day of the month (one 养老金发放 per month each)."""
        county = next((c for c, d in PENSION_DAY.items() if d == day.day), None)
        if county is None:
            return np.zeros(0, np.int64)
        k = self.eligible(day)
        hit = ~np.isnan(self.pension[:k]) & (self.county[:k] == COUNTY_CODES.index(county))
        return np.flatnonzero(hit)

    def allowance_paid_on(self, day: date) -> np.ndarray:
        if day.day != ALLOWANCE_DAY:
            return np.zeros(0, np.int64)
        return np.flatnonzero(self.age[: self.eligible(day)] >= 80)

    def scheduled_per_day(self) -> float:
        """Expected pension and allowance payments per day, averaged over the year."""
        monthly = int((~np.isnan(self.pension)).sum()) + int((self.age >= 80).sum())
        return monthly * 12 / 365.25


def _days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def build_holders(rng: np.random.Generator, residents: pa.Table, cards: pa.Table) -> Holders:
    """Join the 正常 cards to their residents and fix each holder's habits (`rng`: one stream)."""
    active = cards.filter(pc.equal(cards.column("status"), "正常")).select(
        ["card_no", "id_number", "issue_date"]
    )
    people = residents.select(["id_number", "birth_date", "sex", "region_code"])
    joined = active.join(people, "id_number", join_type="inner")
    joined = joined.sort_by([("issue_date", "ascending"), ("card_no", "ascending")])
    issue = _as_days(joined.column("issue_date"))
    age = _age_at_anchor(joined.column("birth_date"))
    group = np.searchsorted(np.array(GROUP_BOUNDS), age, "right")
    town = township_index(joined.column("region_code").combine_chunks())
    county = np.searchsorted(np.array([int(c) for c in COUNTY_CODES]), _county_of_town(town))
    weight = rng.lognormal(0.0, 1.1, len(age)) * _GROUP_ACTIVITY[group]
    male = pc.equal(joined.column("sex"), "男").to_numpy(zero_copy_only=False)
    return Holders(
        card_no=joined.column("card_no").combine_chunks(),
        id_number=joined.column("id_number").combine_chunks(),
        issue_day=issue,
        group=group,
        age=age,
        county=county,
        town=town,
        cdf=np.cumsum(weight),
        pension=_pensions(rng, age, male),
    )


def _as_days(column: pa.ChunkedArray) -> np.ndarray:
    values = column.combine_chunks().cast(pa.date32()).fill_null(0)
    return values.to_numpy(zero_copy_only=False).astype("datetime64[D]").astype(np.int64)


def _age_at_anchor(births: pa.ChunkedArray) -> np.ndarray:
    """Completed years at ANCHOR (compares month-day, so 29 February behaves)."""
    born = births.combine_chunks().cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    months = born.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month_day = (
        (months.astype(np.int64) % 12 + 1) * 100
        + (born - months.astype("datetime64[D]")).astype(np.int64)
        + 1
    )
    before_birthday = month_day > ANCHOR.month * 100 + ANCHOR.day
    return (ANCHOR.year - years - before_birthday).astype(np.int64)


def _county_of_town(town: np.ndarray) -> np.ndarray:
    from yikatong import regions

    codes = np.array([int(t.code[:6]) for t in regions.townships()])
    return codes[town]


def _pensions(rng: np.random.Generator, age: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Monthly pension for those past retirement age (男60 / 女55): 职工 ~2,600, 城乡居民 ~200."""
    retired = np.where(male, age >= 60, age >= 55)
    employee = rng.random(len(age)) < 0.55
    median = np.where(employee, 2600.0, 200.0)
    amount = np.round(median * np.exp(rng.normal(0.0, 0.3, len(age))), 2)
    return np.where(retired, amount, np.nan)
