"""Terminals (终端) that emit card-use messages: one row per kiosk, POS, gate or app.

Each message picks one terminal row, which fixes its `terminal_id`, `place_code` and the place's
name at once (a `take` on three arrays, no per-event string work). Rows are grouped by channel and
then by county so a pick is an offset plus a uniform draw: people mostly use the card in their
own county (本地用卡), sometimes elsewhere (异地), and scenic gates draw by the spots' popularity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import places
from simulators.event_scenarios import CHANNELS, ONLINE_CHANNELS
from simulators.rand import hash_int
from yikatong import regions

CHANNEL_CODES = tuple(CHANNELS)
COUNTY_CODES = tuple(regions.COUNTIES)
# App ids logged by the online channels (公众号 / 天府通办 H5 / 智乐山 App).
_APP_IDS = {"WX": "wx-gzh-lsrs", "TFTB": "tftb-h5-ykt", "ZLS": "zls-app-ykt"}


@dataclass(frozen=True, slots=True)
class Terminal:
    channel: str
    county: str
    place_code: str
    terminal_id: str
    place_name: str
    price: float = 0.0  # 门票 at scenic gates
    weight: float = 1.0  # popularity within the channel (scenic gates only)


@dataclass(frozen=True, slots=True)
class Venues:
    """All terminals as columns plus the offsets that make a pick O(1) per event."""

    place_code: pa.Array
    terminal_id: pa.Array
    place_name: pa.Array
    price: np.ndarray
    county_start: np.ndarray  # [channel, county] first row
    county_count: np.ndarray  # [channel, county] rows
    channel_start: np.ndarray  # [channel]
    channel_count: np.ndarray
    scenic_cdf: np.ndarray  # cumulative popularity over the JQ rows

    def pick(
        self, rng: np.random.Generator, channel: np.ndarray, county: np.ndarray, town: np.ndarray
    ) -> np.ndarray:
        """Terminal row per event: online → the holder's township, JQ → by popularity, else by county."""
        start = self.county_start[channel, county]
        count = self.county_count[channel, county]
        empty = count == 0  # no such terminal in that county: anywhere in the city
        start = np.where(empty, self.channel_start[channel], start)
        count = np.where(empty, self.channel_count[channel], count)
        rows = start + np.floor(rng.random(len(channel)) * count).astype(np.int64)
        online = np.isin(channel, [CHANNEL_CODES.index(c) for c in ONLINE_CHANNELS])
        rows[online] = self.channel_start[channel[online]] + town[online]
        scenic = channel == CHANNEL_CODES.index("JQ")
        if scenic.any():
            draw = np.searchsorted(
                self.scenic_cdf, rng.random(int(scenic.sum())) * self.scenic_cdf[-1], "right"
            )
            rows[scenic] = self.channel_start[CHANNEL_CODES.index("JQ")] + np.minimum(
                draw, len(self.scenic_cdf) - 1
            )
        return rows


def build_venues(seed: int, institutions: pa.Table) -> Venues:
    """Every terminal of the city, ordered by channel then county."""
    terminals = _offline_terminals(seed, institutions) + _online_terminals()
    order = {c: i for i, c in enumerate(CHANNEL_CODES)}
    county_ix = {c: i for i, c in enumerate(COUNTY_CODES)}
    terminals.sort(key=lambda t: (order[t.channel], county_ix.get(t.county, 0)))
    ch = np.array([order[t.channel] for t in terminals])
    cty = np.array([county_ix.get(t.county, 0) for t in terminals])
    county_start = np.zeros((len(CHANNEL_CODES), len(COUNTY_CODES)), np.int64)
    county_count = np.zeros_like(county_start)
    for c in range(len(CHANNEL_CODES)):
        for k in range(len(COUNTY_CODES)):
            hit = np.flatnonzero((ch == c) & (cty == k))
            county_start[c, k], county_count[c, k] = (hit[0], len(hit)) if len(hit) else (0, 0)
    channel_start = np.searchsorted(ch, np.arange(len(CHANNEL_CODES)), "left")
    channel_count = np.searchsorted(ch, np.arange(len(CHANNEL_CODES)), "right") - channel_start
    scenic = [t.weight for t in terminals if t.channel == "JQ"]
    return Venues(
        place_code=pa.array([t.place_code for t in terminals], pa.string()),
        terminal_id=pa.array([t.terminal_id for t in terminals], pa.string()),
        place_name=pa.array([t.place_name for t in terminals], pa.string()),
        price=np.array([t.price for t in terminals]),
        county_start=county_start,
        county_count=county_count,
        channel_start=channel_start,
        channel_count=channel_count,
        scenic_cdf=np.cumsum(scenic),
    )


def _offline_terminals(seed: int, institutions: pa.Table) -> list[Terminal]:
    return [
        *_outlet_terminals(),
        *_institution_terminals(seed, institutions),
        *_scenic_terminals(),
        *_town_terminals(),
        *_library_and_exam_terminals(),
    ]


def _outlet_terminals() -> list[Terminal]:
    """柜面 windows and 自助机 at every outlet; bank counters at the bank outlets."""
    rows = []
    for outlet in regions.outlets():
        county = outlet.code[:6]
        if outlet.code.endswith("001"):
            rows += [
                Terminal("GM", county, outlet.code, f"GM{outlet.code}{k:02d}", outlet.name) for k in (1, 2)
            ]
        rows.append(Terminal("ZZJ", county, outlet.code, f"ZZJ{outlet.code}01", outlet.name))
    for bank in places.bank_outlets():
        rows += [Terminal("YH", bank.county, bank.code, f"YH{bank.code}{k:02d}", bank.name) for k in (1, 2)]
    return rows


def _institution_terminals(seed: int, institutions: pa.Table) -> list[Terminal]:
    """Hospital windows (3 each) and pharmacy tills (1 each), placed in a township of their county."""
    rows = []
    codes = institutions.column("code").to_pylist()
    towns = hash_int(seed, np.arange(len(codes)), "events:institution-town", 0, 1 << 30)
    for code, name, kind, county, town_pick in zip(
        codes,
        institutions.column("name").to_pylist(),
        institutions.column("kind").to_pylist(),
        institutions.column("county").to_pylist(),
        towns,
        strict=True,
    ):
        county_towns = regions.townships(county) if county in regions.COUNTIES else regions.townships()
        place = county_towns[int(town_pick) % len(county_towns)].code
        channel, tills = ("YY", 3) if kind == "医院" else ("YD", 1)
        rows += [
            Terminal(channel, county, place, f"{channel}{code}{k:02d}", name) for k in range(1, tills + 1)
        ]
    return rows


def _scenic_terminals() -> list[Terminal]:
    gates = 4
    return [
        Terminal("JQ", s.county, s.township, f"ZJ{s.code}{k:02d}", s.name, s.price, s.weight / gates)
        for s in places.SCENIC_SPOTS
        for k in range(1, gates + 1)
    ]


def _town_terminals() -> list[Terminal]:
    """Bus readers (3 per township) and one supermarket POS per chain per township."""
    rows = []
    for town in regions.townships():
        county = town.code[:6]
        bus = f"{regions.name(county)}城乡公交"
        rows += [Terminal("GJ", county, town.code, f"GJ{town.code}{k:03d}", bus) for k in (1, 2, 3)]
        short = town.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        for k, chain in enumerate(places.RETAIL_CHAINS, start=1):
            rows.append(Terminal("POS", county, town.code, f"POS{town.code}{k:02d}", f"{chain}乐山{short}店"))
    return rows


def _library_and_exam_terminals() -> list[Terminal]:
    rows = [
        Terminal("TSG", lib.county, lib.township, f"TSG{lib.code[3:]}{k:02d}", lib.name)
        for lib in places.LIBRARIES
        for k in (1, 2, 3)
    ]
    for i, (name, town) in enumerate(places.EXAM_SITES, start=1):
        rows += [Terminal("KC", town[:6], town, f"KC{i:04d}{k:02d}", name) for k in range(1, 5)]
    return rows


def _online_terminals() -> list[Terminal]:
    """One row per township per app, in township order: the pick is `start + township index`."""
    return [
        Terminal(ch, t.code[:6], t.code, _APP_IDS[ch], "")
        for ch in ONLINE_CHANNELS
        for t in regions.townships()
    ]


def township_index(codes: pa.Array) -> np.ndarray:
    """Index of each 9-digit township code in `regions.townships()`; unknown codes map to 0."""
    towns = pa.array([t.code for t in regions.townships()], pa.string())
    found = pc.index_in(pc.utf8_slice_codeunits(codes, 0, 9), value_set=towns)
    return found.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
