"""Card status changes of one advanced day, and the cards made that day (see `advance_cards`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import clock
from simulators.advance_cards import (
    TEMP_FOUND_PER_DAY,
    TEMP_LOSS_PER_DAY,
    AppDay,
    Day,
    Event,
    bank_index,
)
from simulators.cardtables import bank_accounts, chip_numbers


def status_events(d: Day, ad: AppDay) -> list[Event]:
    """Every status change today: made, collected, lost (补卡), cancelled on replacement, temporary losses."""
    plan, apps = ad.plan, ad.apps
    current = dict(zip(d.cards["person_id"].to_pylist(), d.cards["card_no"].to_pylist(), strict=True))
    status = dict(zip(d.cards["card_no"].to_pylist(), d.cards["status"].to_pylist(), strict=True))
    ywlx, t = apps["ywlx"].to_pylist(), apps["applytime"].to_numpy().astype("datetime64[s]")
    out: list[Event] = []
    for i in np.flatnonzero(
        ad.made_today | ad.today["get_time"] | (ad.is_new & (np.array(ywlx) == "2"))
    ).tolist():
        old = current.get(int(ad.person[i]) + 1)
        if ad.is_new[i] and ywlx[i] == "2" and old and status.get(old) == "正常":
            out.append(Event(old, "正式挂失", t[i], "挂失补卡"))
        if ad.made_today[i]:
            out.append(Event(ad.card_no[i], "待激活", plan["province_time"][i], "制卡完成"))
            if old and old != ad.card_no[i]:
                out.append(
                    Event(old, "注销", plan["province_time"][i], "补卡注销" if ywlx[i] == "2" else "换卡注销")
                )
        if ad.today["get_time"][i] and ad.card_no[i]:
            out.append(Event(ad.card_no[i], "正常", plan["get_time"][i], "领卡启用"))
    return out + _temporary(d, {e.card_no for e in out})


def _temporary(d: Day, busy: set[str]) -> list[Event]:
    """Temporary losses reported today and temporary losses lifted today."""
    rng = d.rng("temporary")
    cards, status = (
        d.cards["card_no"].to_numpy(zero_copy_only=False),
        d.cards["status"].to_numpy(zero_copy_only=False),
    )
    free = np.array([c not in busy for c in cards.tolist()], dtype=bool) if len(cards) else np.zeros(0, bool)
    normal, lost = np.flatnonzero((status == "正常") & free), np.flatnonzero((status == "临时挂失") & free)
    k = min(int(rng.poisson(len(normal) * TEMP_LOSS_PER_DAY)), len(normal))
    losing = np.sort(rng.choice(normal, k, replace=False)) if k else normal[:0]
    found = lost[rng.random(len(lost)) < TEMP_FOUND_PER_DAY]
    day = np.datetime64(d.day, "D")
    events = [
        Event(cards[i], "临时挂失", clock.at_hours(np.array([day]), rng.random(1), 7, 23)[0], "临时挂失")
        for i in losing
    ]
    return events + [
        Event(cards[i], "正常", clock.at_hours(np.array([day]), rng.random(1), 8.5, 17.5)[0], "解除临时挂失")
        for i in found
    ]


def chained(d: Day, events: list[Event]) -> pa.Table:
    """The events as status-history rows, each with the status it changed from."""
    before = dict(zip(d.cards["card_no"].to_pylist(), d.cards["status"].to_pylist(), strict=True))
    rows = sorted(events, key=lambda e: (e.card_no, e.time))
    frm, last = [], {}
    for e in rows:
        frm.append(last.get(e.card_no, before.get(e.card_no)) if e.reason != "制卡完成" else None)
        last[e.card_no] = e.to
    return pa.table(
        {
            "card_no": pa.array([e.card_no for e in rows], pa.string()),
            "from_status": pa.array(frm, pa.string()),
            "to_status": pa.array([e.to for e in rows], pa.string()),
            "changed_at": clock.ts_array(np.array([e.time for e in rows], dtype="datetime64[s]")),
            "reason": pa.array([e.reason for e in rows], pa.string()),
        }
    )


def final_states(history: pa.Table) -> dict[str, tuple[str, np.datetime64]]:
    """card_no → (status at the end of the day, time of its last change)."""
    times = history["changed_at"].to_numpy().astype("datetime64[s]")
    return {
        c: (s, t)
        for c, s, t in zip(
            history["card_no"].to_pylist(), history["to_status"].to_pylist(), times, strict=True
        )
    }


def new_cards(d: Day, ad: AppDay, apps: pa.Table, finals: dict) -> pa.Table:
    """The cards made today in the neutral shape of `cardtables` (bank accounts drawn for the day)."""
    idx = np.flatnonzero(ad.made_today)
    idx = idx[np.argsort(ad.plan["province_time"][idx], kind="stable")]
    take = pa.array(idx, pa.int64())
    made = ad.plan["province_time"][idx]
    got = clock.upto(ad.plan["get_time"][idx], d.end)
    numbers = ad.card_no[idx].astype(str) if len(idx) else np.array([], str)
    serial = np.array([int(c[1:]) for c in numbers.tolist()], dtype=np.int64)
    bank = bank_index(ad.apps["aae008"].take(take))
    issue = clock.to_date(made)
    status = [finals[c][0] for c in numbers.tolist()]
    changed = np.array([finals[c][1] for c in numbers.tolist()], dtype="datetime64[s]")
    cols = {
        "card_no": pa.array(numbers, pa.string()),
        "person_id": pa.array(ad.person[idx] + 1),
        "serial": pa.array(serial),
        "status": pa.array(status, pa.string()),
        "issue_date": clock.date_array(issue),
        "expiry_date": clock.date_array(clock.add_years(issue, 10)),
        "bank": pa.array(bank),
        "bank_account": pa.array(bank_accounts(d.rng("accounts"), bank), pa.string()),
        "chip_no": pa.array(chip_numbers(d.seed, serial), pa.string()),
        "card_gen": pa.array(["3"] * len(idx), pa.string()),
        "made_time": clock.ts_array(made),
        "get_time": clock.ts_array(got),
        "kiosk": pc.equal(ad.apps["sqqd"].take(take), "02"),
        "is_current": pa.array([True] * len(idx)),
        "aae036": clock.ts_array(changed),
    }
    for k in ("sqid", "id_number", "name", "doc_type", "sex", "county", "outlet_code"):
        cols[k] = apps[k].take(take)
    return pa.table(cols)


def next_sim_cards(d: Day, made: pa.Table, finals: dict, ad: AppDay) -> pa.Table:
    """sim_cards after the day: replaced cards swapped for the new ones, statuses and pickups updated."""
    from simulators.state import CARD_COLUMNS

    keep = pc.invert(pc.is_in(d.cards["person_id"], made["person_id"]))
    cards = d.cards.filter(keep)
    numbers = cards["card_no"].to_pylist()
    status = [finals.get(c, (s, None))[0] for c, s in zip(numbers, cards["status"].to_pylist(), strict=True)]
    got_today = {
        ad.card_no[i]: ad.plan["get_time"][i] for i in np.flatnonzero(ad.today["get_time"]) if ad.card_no[i]
    }
    got = [
        got_today.get(c, g)
        for c, g in zip(numbers, cards["get_time"].to_numpy().astype("datetime64[s]"), strict=True)
    ]
    cards = cards.set_column(cards.schema.get_field_index("status"), "status", pa.array(status, pa.string()))
    cards = cards.set_column(
        cards.schema.get_field_index("get_time"),
        "get_time",
        clock.ts_array(np.array(got, dtype="datetime64[s]")),
    )
    merged = pa.concat_tables([cards, made.select(list(CARD_COLUMNS)).cast(cards.schema)])
    return merged.sort_by("person_id")
