"""The card history as neutral tables: applications, cards, status changes, 回盘 attempts, batches.

`build_history(residents, seed, end)` shows what has happened by `end` (the last second of a day):
stages planned later are null, exactly as a card system queried at that moment would show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import cardplan, clock, strs, wordlists
from simulators.cards import Applications, bank_cards, card_numbers, sqids
from simulators.rand import hash_int
from yikatong import regions

STATUSES = ("待激活", "正常", "临时挂失", "正式挂失", "注销")


@dataclass
class CardHistory:
    applications: pa.Table
    cards: pa.Table
    status_history: pa.Table
    writebacks: pa.Table
    batches: pa.Table

    def current(self) -> pa.Table:
        """The latest card of each person who has one (never 注销)."""
        return self.cards.filter(self.cards["is_current"])


def _visible(plan: dict, end: np.datetime64) -> dict[str, np.ndarray]:
    rejected = plan["rejected"]
    out = {"review_time": clock.upto(plan["review_time"], end)}
    for k in ("bank_time", "province_time", "city_time", "city_send_time", "get_time"):
        out[k] = np.where(rejected, clock.NAT, clock.upto(plan[k], end))
    out["review_state"] = np.where(np.isnat(out["review_time"]), "0", np.where(rejected, "2", "1"))
    return out


def outlet_names(codes: np.ndarray) -> np.ndarray:
    names = {c: regions.get(c).name for c in np.unique(codes).tolist()}
    return (
        np.array([names[c] for c in codes.tolist()], dtype=object)
        if len(codes)
        else np.array([], dtype=object)
    )


def _serials(apps: Applications, made: np.ndarray, first_serial: int) -> np.ndarray:
    """Card serial per application (0 = no card), in making order."""
    idx = np.flatnonzero(made)
    order = idx[np.lexsort((apps.person[idx], apps.apply_time[idx], apps.plan["province_time"][idx]))]
    serial = np.zeros(len(made), dtype=np.int64)
    serial[order] = np.arange(first_serial, first_serial + len(order))
    return serial


def batch_numbers(province_time: np.ndarray, bank: np.ndarray) -> np.ndarray:
    codes = np.array([b[0] for b in wordlists.BANKS])
    return np.char.add(np.char.add("PC", clock.ymd(province_time).astype("U8")), codes[bank])


def box_positions(batch_no: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """ZXWZ 箱-盒-排-位 of each card in its batch, in serial order."""
    order = np.lexsort((serial, batch_no))
    sorted_b = batch_no[order]
    start = (
        np.r_[0, np.flatnonzero(sorted_b[1:] != sorted_b[:-1]) + 1] if len(order) else np.array([], np.int64)
    )
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
    parts = (rank // 500 + 1, rank // 100 % 5 + 1, rank // 10 % 10 + 1, rank % 10 + 1)
    return np.array(
        [f"{a}-{b}-{c}-{d}" for a, b, c, d in zip(*(p.tolist() for p in parts), strict=True)], dtype=object
    )


def application_table(
    apps: Applications, residents: pa.Table, seed: int, end: np.datetime64, first_serial: int = 1
):
    """(applications table, serial per application) — the neutral form of kgl_apply."""
    vis = _visible(apps.plan, end)
    made = ~np.isnat(vis["province_time"])
    serial = _serials(apps, made, first_serial)
    kiosk = apps.channel == cardplan.KIOSK
    in_batch = made & ~kiosk
    batch = np.where(in_batch, batch_numbers(apps.plan["province_time"], apps.bank), None)
    box = np.full(len(made), None, dtype=object)
    box[in_batch] = box_positions(batch[in_batch].astype(str), serial[in_batch])
    sent = ~np.isnat(vis["city_send_time"])
    send_addr = np.full(len(made), None, dtype=object)
    send_addr[sent] = outlet_names(apps.outlet[sent])
    person = pa.array(apps.person)
    cols = {
        "sqid": sqids(apps.apply_time),
        "person_id": pc.add(person, 1),
        "ywlx": apps.ywlx,
        "channel": apps.channel,
        "bank": apps.bank,
        "outlet_code": apps.outlet,
        "apply_time": clock.ts_array(apps.apply_time),
        "review_state": vis["review_state"],
        "review_time": clock.ts_array(vis["review_time"]),
        "reject_reason": _reasons(apps.plan, vis),
        "bank_time": clock.ts_array(vis["bank_time"]),
        "province_time": clock.ts_array(vis["province_time"]),
        "batch_no": pa.array(batch, pa.string()),
        "box": pa.array(box, pa.string()),
        "card_no": pa.array(np.where(made, card_numbers(serial), None), pa.string()),
        "city_time": clock.ts_array(vis["city_time"]),
        "city_send_time": clock.ts_array(vis["city_send_time"]),
        "send_address": pa.array(send_addr, pa.string()),
        "get_time": clock.ts_array(vis["get_time"]),
        "aae036": clock.ts_array(
            clock.latest(apps.apply_time, *(vis[k] for k in vis if k != "review_state"))
        ),
    }
    cols |= _person_columns(residents, person)
    return pa.table({k: strs.arr(v) if not isinstance(v, pa.Array) else v for k, v in cols.items()}), serial


def _reasons(plan: dict, vis: dict) -> pa.Array:
    shown = vis["review_state"] == "2"
    reasons = np.array(cardplan.REJECT_REASONS, dtype=object)[plan["reason"]]
    return pa.array(np.where(shown, reasons, None), pa.string())


def _person_columns(residents: pa.Table, person: pa.Array) -> dict[str, pa.Array]:
    """The applicant's identity as the card system holds it (county = 发卡地)."""
    return {
        "id_number": residents["id_number"].take(person),
        "name": residents["name"].take(person),
        "doc_type": residents["doc_type"].take(person),
        "sex": residents["sex"].take(person),
        "county": pc.utf8_slice_codeunits(residents["region_code"].take(person), 0, 6),
    }


def chip_numbers(seed: int, serial: np.ndarray) -> np.ndarray:
    hi = hash_int(seed, serial, "chip_hi", 0, 2**31)
    lo = hash_int(seed, serial, "chip_lo", 0, 2**31)
    return np.array(
        [f"86{h:08X}{w:08X}" for h, w in zip(hi.tolist(), lo.tolist(), strict=True)], dtype=object
    )


def bank_accounts(rng: np.random.Generator, bank: np.ndarray) -> np.ndarray:
    bins = np.array([int(b[2]) for b in wordlists.BANKS], dtype=np.int64)
    return bank_cards(rng, bins[np.asarray(bank, dtype=np.int64)])
