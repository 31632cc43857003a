"""The strategies' target lists and outcomes computed independently, with pandas over the snapshot files.

Written from the rules' Chinese wording, not from their SQL: 制卡 (province made) more than 30 days
before the date and not picked up by it; a pension (110/120/170) paid in the 90 days up to the date
and no card in state 正常 in force at the end of that day; the newest expiry of the cards in force
and 正常 within [date, date + 90]. Times are turned into Beijing business dates.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).parents[1] / "dbt" / "fixtures"


def table(name: str) -> pd.DataFrame:
    return pd.read_parquet(FIXTURES / f"public.{name}.parquet")


def business_day(series: pd.Series) -> pd.Series:
    return series.dt.tz_convert("Asia/Shanghai").dt.date


def _end_of(as_of: date) -> pd.Timestamp:
    return pd.Timestamp(as_of + timedelta(days=1), tz="Asia/Shanghai")


def uncollected(as_of: date) -> set[str]:
    a = table("raw_card_application")
    made, picked = business_day(a["province_made_at"]), business_day(a["picked_up_at"])
    not_picked = a["picked_up_at"].isna() | picked.map(lambda d: d is not pd.NaT and d > as_of)
    chosen = a["province_made_at"].notna() & made.map(lambda d: d is not pd.NaT and (as_of - d).days > 30)
    return set(a.loc[chosen & not_picked & a["id_token"].notna(), "id_token"])


def active_cards(as_of: date) -> pd.DataFrame:
    c = table("raw_card")
    end = _end_of(as_of)
    in_force = (c["valid_from"] < end) & (c["valid_to"].isna() | (c["valid_to"] >= end))
    return c[in_force & (c["status"] == "正常")]


def pension_without_card(as_of: date) -> set[str]:
    b = table("raw_benefit_payment")
    recent = b["paid_on"].map(lambda d: as_of - timedelta(days=90) < d <= as_of)
    pensioners = set(b.loc[b["insurance_type"].isin(["110", "120", "170"]) & recent, "id_token"].dropna())
    return pensioners - set(active_cards(as_of)["id_token"])


def expiring(as_of: date) -> set[str]:
    newest = active_cards(as_of).groupby("id_token")["expires_on"].max()
    return set(newest[newest.map(lambda d: as_of <= d <= as_of + timedelta(days=90))].index)


EXPECTED = {
    "card_uncollected_30d": uncollected,
    "pension_without_active_card": pension_without_card,
    "card_expiring_90d": expiring,
}


def picked_up_between(tokens: set[str], start: date, end: date) -> set[str]:
    """Who of ``tokens`` picked a card up on a business day in (start, end]."""
    a = table("raw_card_application")
    day = business_day(a["picked_up_at"])
    hit = a["id_token"].isin(tokens) & day.map(lambda d: d is not pd.NaT and start < d <= end)
    return set(a.loc[hit, "id_token"])
