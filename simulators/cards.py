"""Every resident's social-security-card history up to a day: applications, cards, statuses, 回盘.

~96% of residents aged one or more have had a card. Most first cards date from the 2011–2016 mass
issuance; cards are exchanged (换卡) near the end of their ten-year validity, replaced (补卡) after
a loss, and a few applications are rejected and retried. Card numbers (AAZ500, `B` + 8 digits) are
issued in making order and are new on every replacement; the old card is cancelled (注销).

The result is neutral (English column names); `simulators.sources` shapes it per upstream system.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from simulators import cardplan, clock, strs, wordlists
from simulators.rand import stream_rng

MASS_ISSUANCE = (np.datetime64("2011-03-01", "D"), np.datetime64("2016-12-31", "D"))
HAS_CARD = 0.965
MAX_CARDS = 3
CARD_PREFIX = "B"


@dataclass
class Applications:
    """One entry per application (unmasked plan; `end` decides what is visible)."""

    person: np.ndarray  # row index into residents
    generation: np.ndarray  # 0 = first card, 1, 2 = replacements
    ywlx: np.ndarray  # index into cardplan.YWLX
    channel: np.ndarray
    bank: np.ndarray
    outlet: np.ndarray  # 12-digit 领卡网点 code (str)
    apply_time: np.ndarray
    plan: dict[str, np.ndarray]


def first_apply_times(rng: np.random.Generator, birth: np.ndarray, end: np.datetime64) -> np.ndarray:
    """When each resident first applied (NaT: never applied by `end`)."""
    n = len(birth)
    end_d = end.astype("datetime64[D]")
    start = np.maximum(MASS_ISSUANCE[0], birth.astype("datetime64[D]") + np.timedelta64(30, "D"))
    span = np.maximum((end_d - start).astype(np.int64), 0)
    u = rng.random(n)
    day = start + np.floor(u**2 * span).astype("timedelta64[D]")
    mass_span = (MASS_ISSUANCE[1] - start).astype(np.int64)
    in_mass = (rng.random(n) < 0.65) & (mass_span > 0)
    day = np.where(
        in_mass, start + np.floor(rng.random(n) * np.maximum(mass_span, 1)).astype("timedelta64[D]"), day
    )
    t = clock.at_hours(day, rng.random(n), 8.5, 17.5)
    applied = (rng.random(n) < HAS_CARD) & (start <= end_d) & (t <= end)
    return np.where(applied, t, clock.NAT)


def channels(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Application channel by era: counters only before 2019, kiosks and apps from 2021."""
    year = t.astype("datetime64[Y]").astype(np.int64) + 1970
    u = rng.random(len(t))
    modern = np.searchsorted(np.cumsum([0.4, 0.25, 0.15, 0.1, 0.1]), u, side="right")
    early = np.where(u < 0.7, 0, np.where(u < 0.9, 2, 3))
    return np.where(year < 2019, 0, np.where(year < 2021, early, np.minimum(modern, 4))).astype(np.int64)


def pick_banks(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(len(wordlists.BANKS), n, p=wordlists.BANK_WEIGHTS)


def pickup_outlets(rng: np.random.Generator, township: np.ndarray) -> np.ndarray:
    """领卡网点: the township's 便民服务中心 (001) or its bank outlet (002)."""
    return np.char.add(township.astype("U9"), np.where(rng.random(len(township)) < 0.55, "001", "002"))


def _next_request(rng, plan: dict, end: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """After a collected card: the time and type of the next application (NaT: none by `end`)."""
    n = len(plan["get_time"])
    made_d = clock.to_date(plan["province_time"])
    expiry = clock.add_years(made_d, 10)
    exchange = (
        expiry.astype("datetime64[s]")
        - clock.days(rng.random(n) * 120)
        + clock.days((rng.random(n) < 0.3) * rng.random(n) * 300)
    )
    got = plan["get_time"]
    horizon = np.minimum(expiry.astype("datetime64[s]"), end)
    gap = np.maximum((horizon - got).astype(np.int64) - 30 * clock.DAY_S, 0)
    random_t = got + clock.seconds(30 * clock.DAY_S + rng.random(n) * gap)
    random_t = clock.at_hours(clock.to_date(random_t), rng.random(n), 8.5, 17.5)
    u = rng.random(n)
    lost, damaged = (u < 0.06) & (gap > 0), (u >= 0.06) & (u < 0.10) & (gap > 0)
    t = np.where(lost | damaged, random_t, clock.at_hours(clock.to_date(exchange), rng.random(n), 8.5, 17.5))
    t = np.where(np.isnat(got), clock.NAT, t)
    return np.where(t <= end, t, clock.NAT), np.where(lost, 1, 2)


def plan_applications(residents: pa.Table, seed: int, end: np.datetime64) -> Applications:
    """Every application up to `end`: first applications, rejections and retries, replacements."""
    rng = stream_rng(seed, "cards:applications")
    birth = residents["birth_date"].to_numpy().astype("datetime64[D]")
    township = residents["region_code"].to_numpy(zero_copy_only=False).astype("U9")
    t0 = first_apply_times(rng, birth, end)
    person = np.flatnonzero(~np.isnat(t0))
    state = {
        "person": person,
        "t": t0[person],
        "gen": np.zeros(len(person), np.int64),
        "ywlx": np.zeros(len(person), np.int64),
        "bank": pick_banks(rng, len(person)),
    }
    parts = []
    while len(state["person"]):
        part = _one_round(rng, seed, state, township)
        parts.append(part)
        state = _following(rng, part, end)
    return _concat(parts)


def _one_round(rng, seed: int, state: dict, township: np.ndarray) -> Applications:
    ch = channels(rng, state["t"])
    plan = cardplan.stage_plan(seed, state["t"], ch, state["bank"])
    outlets = pickup_outlets(rng, township[state["person"]])
    return Applications(
        state["person"], state["gen"], state["ywlx"], ch, state["bank"], outlets, state["t"], plan
    )


def _following(rng, apps: Applications, end: np.datetime64) -> dict:
    """The applications that follow this round: retries after rejection, then replacements."""
    plan = apps.plan
    rejected = plan["rejected"] & (plan["review_time"] <= end)
    retry_t = clock.at_hours(
        clock.to_date(plan["review_time"])
        + np.floor(3 + 27 * rng.random(len(rejected))).astype("timedelta64[D]"),
        rng.random(len(rejected)),
        8.5,
        17.5,
    )
    retry = rejected & (retry_t <= end)
    next_t, next_type = _next_request(rng, plan, end)
    replace = ~plan["rejected"] & ~np.isnat(next_t) & (apps.generation < MAX_CARDS - 1)
    keep_bank = np.where(rng.random(len(rejected)) < 0.8, apps.bank, pick_banks(rng, len(rejected)))
    sel = np.concatenate([np.flatnonzero(retry), np.flatnonzero(replace)])
    return {
        "person": apps.person[sel],
        "t": np.concatenate([retry_t[retry], next_t[replace]]),
        "gen": np.concatenate([apps.generation[retry], apps.generation[replace] + 1]),
        "ywlx": np.concatenate([apps.ywlx[retry], next_type[replace]]),
        "bank": np.concatenate([apps.bank[retry], keep_bank[replace]]),
    }


def _concat(parts: list[Applications]) -> Applications:
    plan = {k: np.concatenate([p.plan[k] for p in parts]) for k in parts[0].plan}
    fields = ("person", "generation", "ywlx", "channel", "bank", "outlet", "apply_time")
    arrays = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
    order = np.lexsort((arrays["person"], arrays["apply_time"]))
    return Applications(
        **{f: a[order] for f, a in arrays.items()}, plan={k: v[order] for k, v in plan.items()}
    )


def card_numbers(serials: np.ndarray) -> np.ndarray:
    return CARD_PREFIX + zfill(serials, 8)


def sqids(apply_time: np.ndarray, first_seq: int | np.ndarray = 1) -> np.ndarray:
    """SQ + yyyymmdd + 6-digit sequence within the day (apply_time must be sorted)."""
    d = clock.ymd(apply_time)
    start = np.r_[0, np.flatnonzero(np.diff(d)) + 1]
    seq = np.arange(len(d)) - np.repeat(start, np.diff(np.r_[start, len(d)])) + first_seq
    return "SQ" + zfill(d, 8) + zfill(seq, 6)


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    """Integers as zero-padded strings (object array; also for empty arrays)."""
    return np.asarray(
        strs.zpad(np.asarray(values, dtype=np.int64), width).to_numpy(zero_copy_only=False), dtype=object
    )


def bank_cards(rng: np.random.Generator, bins: np.ndarray) -> np.ndarray:
    """19-digit bank card numbers (BIN + 12 random digits + Luhn digit), computed on integers.

    Same result shape as `yikatong.ids.generate_bank_cards`, ~50x faster (no per-character strings).
    """
    body = np.asarray(bins, dtype=np.int64) * 10**12 + rng.integers(0, 10**12, len(bins))
    digits = body[:, None] // 10 ** np.arange(18, dtype=np.int64) % 10  # rightmost digit first
    doubled = digits[:, 0::2] * 2
    total = (np.where(doubled > 9, doubled - 9, doubled).sum(axis=1) + digits[:, 1::2].sum(axis=1)) % 10
    return zfill(body * 10 + (10 - total) % 10, 19)
