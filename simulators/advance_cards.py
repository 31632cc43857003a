"""One more day of the card systems: new applications, stages reached, cards made, collected, lost.

Works from what the databases hold (pending applications in `kgl_apply`, the clean current cards in
`sim_cards`) and the same stage plan `simulate` used, so an application's stages fall on the days
they were always planned for. The result lists rows to insert and rows to update, per table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import cardplan, clock, wordlists
from simulators.cards import card_numbers, channels, pickup_outlets, sqids
from simulators.rand import stream_rng

NEW_APPLICATIONS_PER_RESIDENT_DAY = 0.0003
TEMP_LOSS_PER_DAY = 0.0001
TEMP_FOUND_PER_DAY = 0.15
STAGES = ("review_time", "bank_time", "province_time", "city_time", "city_send_time", "get_time")
PENDING_SCHEMA = pa.schema(
    [
        ("sqid", pa.string()),
        ("aac002", pa.string()),
        ("ywlx", pa.string()),
        ("sqqd", pa.string()),
        ("applytime", pa.timestamp("s")),
        ("aae008", pa.string()),
        ("lkwdbm", pa.string()),
        ("aaz500", pa.string()),
    ]
)


@dataclass
class Day:
    """The day being simulated and what is known at its start."""

    seed: int
    day: date
    residents: pa.Table
    cards: pa.Table  # sim_cards: the clean current cards before the day
    next_card_serial: int
    first_sqid_seq: int = 1  # after the SQIDs the card system's API already gave out that day

    @property
    def end(self) -> np.datetime64:
        return clock.day_end(self.day)

    @property
    def prev_end(self) -> np.datetime64:
        return clock.day_start(self.day) - np.timedelta64(1, "s")

    def rng(self, part: str) -> np.random.Generator:
        return stream_rng(self.seed, f"advance:{self.day}:{part}")


@dataclass
class Event:
    card_no: str
    to: str
    time: np.datetime64
    reason: str


@dataclass
class AppDay:
    """Today's view of the pending and the new applications."""

    apps: pa.Table  # pending rows then new rows (PENDING_SCHEMA)
    is_new: np.ndarray
    person: np.ndarray
    plan: dict[str, np.ndarray]
    today: dict[str, np.ndarray]  # stage → reached today
    card_no: np.ndarray  # the application's card (made before or today), None otherwise
    made_today: np.ndarray
    events: list[Event] = field(default_factory=list)


def index_in(values, universe) -> np.ndarray:
    return pc.index_in(values, universe).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def bank_index(codes) -> np.ndarray:
    return index_in(codes, pa.array([b[0] for b in wordlists.BANKS]))


def new_applications(d: Day, pending: pa.Table) -> pa.Table:
    """Today's applications: 申领 by people who never had a card, 补卡 and 换卡 by holders."""
    rng = d.rng("applications")
    n_res = d.residents.num_rows
    n = int(rng.poisson(n_res * NEW_APPLICATIONS_PER_RESIDENT_DAY))
    busy = np.zeros(n_res, bool)
    p = index_in(pending["aac002"], d.residents["id_number"])
    busy[p[p >= 0]] = True
    holder_row = np.full(n_res, -1, np.int64)
    holder_row[d.cards["person_id"].to_numpy() - 1] = np.arange(d.cards.num_rows)
    normal = np.zeros(n_res, bool)
    normal[d.cards["person_id"].to_numpy() - 1] = pc.equal(d.cards["status"], "正常").to_numpy(
        zero_copy_only=False
    )
    kind = rng.choice(3, n, p=(0.4, 0.35, 0.25))
    newcomer, holder = np.flatnonzero((holder_row < 0) & ~busy), np.flatnonzero(normal & ~busy)
    person = np.where(kind == 0, _draw(rng, newcomer, n), _draw(rng, holder, n))
    person, first = np.unique(person, return_index=True)
    keep = person >= 0
    return _application_rows(d, rng, person[keep], kind[first][keep], holder_row)


def _draw(rng, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), n)] if len(pool) else np.full(n, -1, np.int64)


def _application_rows(d: Day, rng, person: np.ndarray, kind: np.ndarray, holder_row: np.ndarray) -> pa.Table:
    order = np.argsort(rng.random(len(person)))
    person, kind = person[order], kind[order]
    t = np.sort(
        clock.at_hours(np.full(len(person), np.datetime64(d.day, "D")), rng.random(len(person)), 8.5, 17.5)
    )
    card_bank = d.cards["bank"].to_numpy()
    new_bank = rng.choice(len(wordlists.BANKS), len(person), p=wordlists.BANK_WEIGHTS)
    bank = np.where(
        kind == 0, new_bank, card_bank[np.maximum(holder_row[person], 0)] if len(card_bank) else new_bank
    )
    take = pa.array(person, pa.int64())
    towns = np.asarray(d.residents["region_code"].take(take).to_numpy(zero_copy_only=False), dtype="U9")
    return pa.table(
        {
            "sqid": pa.array(sqids(t, d.first_sqid_seq), pa.string()),
            "aac002": d.residents["id_number"].take(take),
            "ywlx": pa.array(np.array(cardplan.YWLX_CODES)[kind], pa.string()),
            "sqqd": pa.array(np.array(cardplan.CHANNEL_CODES)[channels(rng, t)], pa.string()),
            "applytime": clock.ts_array(t),
            "aae008": pa.array(np.array([b[0] for b in wordlists.BANKS])[bank], pa.string()),
            "lkwdbm": pa.array(pickup_outlets(rng, towns), pa.string()),
            "aaz500": pa.array([None] * len(person), pa.string()),
        },
        schema=PENDING_SCHEMA,
    )


def plan_day(d: Day, pending: pa.Table) -> AppDay:
    """Plan every pending and new application and find the stages reached today."""
    new = new_applications(d, pending)
    apps = pa.concat_tables([pending.cast(PENDING_SCHEMA), new])
    is_new = np.r_[np.zeros(pending.num_rows, bool), np.ones(new.num_rows, bool)]
    t = apps["applytime"].to_numpy().astype("datetime64[s]")
    channel = index_in(apps["sqqd"], pa.array(cardplan.CHANNEL_CODES))
    plan = cardplan.stage_plan(d.seed, t, channel, bank_index(apps["aae008"]))
    today = {k: (plan[k] > d.prev_end) & (plan[k] <= d.end) for k in STAGES}
    for k in STAGES[1:]:
        today[k] &= ~plan["rejected"]
    made_today = today["province_time"]
    idx = np.flatnonzero(made_today)
    order = idx[np.argsort(plan["province_time"][idx], kind="stable")]
    card_no = np.asarray(apps["aaz500"].to_numpy(zero_copy_only=False), dtype=object)
    card_no[order] = card_numbers(np.arange(d.next_card_serial, d.next_card_serial + len(order)))
    person = index_in(apps["aac002"], d.residents["id_number"])
    return AppDay(apps, is_new, person, plan, today, card_no, made_today)


def visible(ad: AppDay, end: np.datetime64) -> dict[str, np.ndarray]:
    """Stage times shown at `end` (NaT: not reached, or after a rejection)."""
    out = {k: clock.upto(ad.plan[k], end) for k in STAGES}
    for k in STAGES[1:]:
        out[k] = np.where(ad.plan["rejected"], clock.NAT, out[k])
    out["review_state"] = np.where(np.isnat(out["review_time"]), "0", np.where(ad.plan["rejected"], "2", "1"))
    return out


def neutral_applications(d: Day, ad: AppDay) -> pa.Table:
    """Every application touched today, in the neutral shape of `cardtables.application_table`."""
    from simulators.cardtables import _person_columns, batch_numbers, box_positions, outlet_names

    vis = visible(ad, d.end)
    bank, channel = bank_index(ad.apps["aae008"]), index_in(ad.apps["sqqd"], pa.array(cardplan.CHANNEL_CODES))
    made = ad.made_today & (channel != cardplan.KIOSK)
    batch = np.where(made, batch_numbers(ad.plan["province_time"], bank), None)
    box = np.full(len(made), None, dtype=object)
    serial = np.array([int(c[1:]) if c else 0 for c in ad.card_no.tolist()], dtype=np.int64)
    box[made] = box_positions(batch[made].astype(str), serial[made])
    sent = ~np.isnat(vis["city_send_time"])
    send = np.full(len(made), None, dtype=object)
    send[sent] = outlet_names(np.asarray(ad.apps["lkwdbm"].to_numpy(zero_copy_only=False)[sent], dtype="U12"))
    reasons = np.where(
        vis["review_state"] == "2", np.array(cardplan.REJECT_REASONS, dtype=object)[ad.plan["reason"]], None
    )
    t = ad.apps["applytime"].to_numpy().astype("datetime64[s]")
    cols = {
        "sqid": ad.apps["sqid"],
        "ywlx": index_in(ad.apps["ywlx"], pa.array(cardplan.YWLX_CODES)),
        "channel": channel,
        "bank": bank,
        "outlet_code": ad.apps["lkwdbm"],
        "apply_time": ad.apps["applytime"],
        "review_state": vis["review_state"],
        "review_time": clock.ts_array(vis["review_time"]),
        "reject_reason": pa.array(reasons, pa.string()),
        "bank_time": clock.ts_array(vis["bank_time"]),
        "province_time": clock.ts_array(vis["province_time"]),
        "batch_no": pa.array(batch, pa.string()),
        "box": pa.array(box, pa.string()),
        "card_no": pa.array(np.where(sent | ~np.isnat(vis["province_time"]), ad.card_no, None), pa.string()),
        "city_time": clock.ts_array(vis["city_time"]),
        "city_send_time": clock.ts_array(vis["city_send_time"]),
        "send_address": pa.array(send, pa.string()),
        "get_time": clock.ts_array(vis["get_time"]),
        "aae036": clock.ts_array(clock.latest(t, *(vis[k] for k in STAGES))),
    }
    cols |= _person_columns(d.residents, pa.array(np.maximum(ad.person, 0)))
    return pa.table(
        {k: v if isinstance(v, pa.Array | pa.ChunkedArray) else pa.array(v) for k, v in cols.items()}
    )
