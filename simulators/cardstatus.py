"""Cards made so far, their status changes (状态变更) and their 回盘 attempts, from the applications.

A card is 待激活 from making until collected, then 正常. Applying for a 补卡 reports the old card lost
(正式挂失); making the replacement cancels the old card (注销). A few cards are reported lost
temporarily (临时挂失) and most of those are found again (解除挂失).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulators import cardplan, clock, strs
from simulators.cards import Applications, card_numbers, plan_applications
from simulators.cardtables import CardHistory, application_table, bank_accounts, chip_numbers
from simulators.rand import hash_u01, stream_rng

TEMP_LOSS = 0.03
TEMP_FOUND = 0.7


def _lookup(keys: np.ndarray, table_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `keys` in the sorted unique `table_keys` and whether they were found."""
    pos = np.minimum(np.searchsorted(table_keys, keys), max(len(table_keys) - 1, 0))
    found = (table_keys[pos] == keys) if len(table_keys) else np.zeros(len(keys), bool)
    return pos, found


def _successors(apps: Applications, made: np.ndarray, end: np.datetime64) -> dict[str, np.ndarray]:
    """For each made card: the next generation's first request (time, type) and its card's making time."""
    key = apps.person * 4 + apps.generation
    first_keys, first_idx = np.unique(key, return_index=True)  # apps are sorted by apply time
    made_idx = np.flatnonzero(made)
    made_keys, made_first = np.unique(key[made_idx], return_index=True)
    card_key = key[made_idx] + 1
    pos, found = _lookup(card_key, first_keys)
    req = first_idx[pos]
    mpos, mfound = _lookup(card_key, made_keys)
    next_made = np.where(
        mfound,
        apps.plan["province_time"][made_idx[made_first[mpos]]] if len(made_keys) else clock.NAT,
        clock.NAT,
    )
    req_time = np.where(found, apps.apply_time[req], clock.NAT)
    return {
        "req_time": clock.upto(req_time, end),
        "req_type": np.where(found, apps.ywlx[req], -1),
        "next_made": clock.upto(next_made, end),
    }


def _temporary_losses(seed: int, serial: np.ndarray, got: np.ndarray, quiet: np.ndarray, end: np.datetime64):
    """(loss time, found time) of temporary losses on cards with nothing else going on."""
    has = quiet & ~np.isnat(got) & (hash_u01(seed, serial, "temp_loss") < TEMP_LOSS)
    span = np.maximum((end - got).astype(np.int64), 0)
    lost = np.where(has, got + clock.seconds(hash_u01(seed, serial, "temp_loss_t") * span), clock.NAT)
    found_t = lost + clock.seconds(3600 + hash_u01(seed, serial, "temp_found_t") * 5 * clock.DAY_S)
    found = (hash_u01(seed, serial, "temp_found") < TEMP_FOUND) & (found_t <= end)
    return lost, np.where(found, found_t, clock.NAT)


def card_events(seed: int, serial, made_t, got, succ: dict, end) -> dict[str, np.ndarray]:
    """Every status change of every card as parallel arrays (serial, from, to, time, reason)."""
    lost = (succ["req_type"] == 1) & ~np.isnat(succ["req_time"]) & ~np.isnat(got)
    cancelled = ~np.isnat(succ["next_made"])
    temp, found = _temporary_losses(seed, serial, got, ~lost & ~cancelled, end)
    before_cancel = np.where(lost, "正式挂失", "正常")
    cancel_reason = np.where(succ["req_type"] == 1, "补卡注销", "换卡注销")
    events = [
        (np.ones(len(serial), bool), "", "待激活", made_t, "制卡完成"),
        (~np.isnat(got), "待激活", "正常", got, "领卡启用"),
        (lost, "正常", "正式挂失", succ["req_time"], "挂失补卡"),
        (cancelled, before_cancel, "注销", succ["next_made"], cancel_reason),
        (~np.isnat(temp), "正常", "临时挂失", temp, "临时挂失"),
        (~np.isnat(found), "临时挂失", "正常", found, "解除临时挂失"),
    ]
    return _stack_events(serial, events)


def _stack_events(serial: np.ndarray, events: list) -> dict[str, np.ndarray]:
    out: dict[str, list] = {"serial": [], "from": [], "to": [], "time": [], "reason": []}
    for mask, frm, to, t, reason in events:
        out["serial"].append(serial[mask])
        for k, v in (("from", frm), ("to", to), ("reason", reason)):
            out[k].append(np.broadcast_to(np.asarray(v, dtype=object), mask.shape)[mask])
        out["time"].append(t[mask])
    stacked = {k: np.concatenate(v) for k, v in out.items()}
    order = np.lexsort((stacked["time"], stacked["serial"]))
    return {k: v[order] for k, v in stacked.items()}


def final_status(events: dict, n_serials: int, first_serial: int) -> tuple[np.ndarray, np.ndarray]:
    """Status and time of the last change of each serial (events sorted by serial, then time)."""
    status = np.full(n_serials, "", dtype=object)
    changed = np.full(n_serials, clock.NAT)
    idx = events["serial"] - first_serial
    status[idx] = events["to"]  # later events overwrite earlier ones: the last one wins
    changed[idx] = events["time"]
    return status, changed


def build_history(residents: pa.Table, seed: int, end: np.datetime64) -> CardHistory:
    """Everything the card systems hold at `end` (see module docstrings)."""
    apps = plan_applications(residents, seed, end)
    app_table, serial = application_table(apps, residents, seed, end)
    made = serial > 0
    succ = _successors(apps, made, end)
    cards, events = card_rows(seed, apps, app_table, serial, succ, end, stream_rng(seed, "cards:accounts"))
    return CardHistory(
        app_table,
        cards,
        status_history_table(events),
        writeback_table(seed, cards, end),
        batch_table(app_table),
    )


def card_rows(seed, apps, app_table, serial, succ, end, rng) -> tuple[pa.Table, dict]:
    """The card master rows (one per made card) and their status events."""
    idx = np.flatnonzero(serial > 0)
    order = idx[np.argsort(serial[idx])]
    pos = np.searchsorted(idx, order)  # positions of `order` within the successor arrays (aligned with idx)
    s = serial[order]
    made_t, got = apps.plan["province_time"][order], clock.upto(apps.plan["get_time"][order], end)
    events = card_events(seed, s, made_t, got, {k: v[pos] for k, v in succ.items()}, end)
    status, changed = final_status(events, len(s), int(s[0]) if len(s) else 1)
    issue = clock.to_date(made_t)
    cols = {
        "card_no": card_numbers(s),
        "person_id": apps.person[order] + 1,
        "serial": s,
        "status": status,
        "issue_date": clock.date_array(issue),
        "expiry_date": clock.date_array(clock.add_years(issue, 10)),
        "bank": apps.bank[order],
        "bank_account": bank_accounts(rng, apps.bank[order]),
        "chip_no": chip_numbers(seed, s),
        "card_gen": np.where(issue >= np.datetime64("2020-07-01"), "3", "2"),
        "made_time": clock.ts_array(made_t),
        "get_time": clock.ts_array(got),
        "kiosk": apps.channel[order] == cardplan.KIOSK,
        "is_current": status != "注销",
        "aae036": clock.ts_array(changed),
    }
    picked = pa.array(order)
    for k in ("sqid", "id_number", "name", "doc_type", "sex", "county", "outlet_code"):
        cols[k] = app_table[k].take(picked)
    return pa.table(
        {k: strs.arr(v) if not isinstance(v, pa.Array | pa.ChunkedArray) else v for k, v in cols.items()}
    ), events


def status_history_table(events: dict) -> pa.Table:
    return pa.table(
        {
            "card_no": strs.arr(card_numbers(events["serial"])),
            "from_status": pa.array(np.where(events["from"] == "", None, events["from"]), pa.string()),
            "to_status": pa.array(events["to"], pa.string()),
            "changed_at": clock.ts_array(events["time"]),
            "reason": pa.array(events["reason"], pa.string()),
        }
    )


def writeback_table(seed: int, cards: pa.Table, end: np.datetime64) -> pa.Table:
    """回盘 attempts (up to three per card, retried only after a failure)."""
    serial = cards["serial"].to_numpy()
    made = cards["made_time"].to_numpy()
    plan = cardplan.writeback_plan(seed, serial, made, cards["kiosk"].to_numpy(zero_copy_only=False))
    parts = []
    for attempt, (t, ok) in enumerate(zip(plan["times"], plan["ok"], strict=True), start=1):
        mask = t <= end
        sel = pa.array(np.flatnonzero(mask))
        err = np.array(cardplan.WRITEBACK_ERRORS, dtype=object)[plan["error"][mask]]
        parts.append(
            pa.table(
                {
                    "hpid": strs.join(cards["card_no"].take(sel), f"-{attempt}"),
                    "card_no": cards["card_no"].take(sel),
                    "bank_account": cards["bank_account"].take(sel),
                    "chip_no": cards["chip_no"].take(sel),
                    "result": pa.array(np.where(ok[mask], "成功", "失败"), pa.string()),
                    "error": pa.array(np.where(ok[mask], None, err), pa.string()),
                    "attempt": pa.array(np.full(mask.sum(), attempt)),
                    "attempt_time": clock.ts_array(t[mask]),
                }
            )
        )
    return pa.concat_tables(parts).sort_by([("attempt_time", "ascending"), ("hpid", "ascending")])


def batch_table(apps: pa.Table) -> pa.Table:
    """kgl_batch: one row per batch (bank × making day) with its card count and city receipt time."""
    made = apps.filter(apps["batch_no"].is_valid())
    grouped = made.group_by(["batch_no", "bank"]).aggregate(
        [("card_no", "count"), ("province_time", "min"), ("province_time", "max"), ("city_time", "max")]
    )
    made_t = grouped["province_time_max"].to_numpy()
    city = grouped["city_time_max"].to_numpy()
    return pa.table(
        {
            "batch_no": grouped["batch_no"],
            "bank": grouped["bank"],
            "card_count": grouped["card_no_count"],
            "made_time": grouped["province_time_max"],
            "city_time": grouped["city_time_max"],
            "aae036": clock.ts_array(clock.latest(made_t, city)),
        }
    ).sort_by("batch_no")
