"""用卡轨迹消息 (seed 5.3/5.4): the card-use messages the business systems send, one file per day.

Layout under `<sources_dir>` (one parquet file per date, replaced atomically):

    card_events/dt=YYYY-MM-DD/part-0.parquet          the messages, in the systems' own shape
    truth/event_kinds/dt=YYYY-MM-DD/part-0.parquet    (event_id, kind): ground truth for tests
    truth/events_dirt/dt=YYYY-MM-DD/part-0.parquet    injected defects, same columns as the
                                                      other sources' dirt manifest

A message names its scenario (`scene_code`), not its trajectory kind: the platform derives the
kind through `SCENARIOS`. Every date draws from its own generator (`world.rng("events:<date>")`)
over holders fixed once per world, so one day regenerated alone equals that day of a full run.
Everything is vectorised: a day is a handful of numpy draws and `take`s, never a call per event.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulators import strs
from simulators.event_holders import Holders, build_holders
from simulators.event_scenarios import (
    CHANNELS,
    FAILURE_RATE,
    GROUPS,
    HOUR_PROFILES,
    KINDS,
    SCENARIOS,
    Scenario,
)
from simulators.event_venues import CHANNEL_CODES, COUNTY_CODES, Venues, build_venues
from simulators.scales import ANCHOR
from yikatong.settings import get_settings

__all__ = ["CHANNELS", "EVENT_SCHEMA", "KINDS", "SCENARIOS", "EventsResult", "generate_day", "write_events"]

EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        ("card_no", pa.string()),
        ("id_number", pa.string()),
        ("event_time", pa.timestamp("ms", tz="UTC")),
        ("channel", pa.string()),
        ("terminal_id", pa.string()),
        ("place_code", pa.string()),
        ("scene_code", pa.string()),
        ("amount", pa.float64()),
        ("merchant_name", pa.string()),
        ("result", pa.string()),
    ]
)
KIND_SCHEMA = pa.schema([pa.field("event_id", pa.string(), nullable=False), ("kind", pa.string())])
DIRT_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("source_db", "table", "key_column", "key_value", "column", "defect")]
)
# Fixed writer options: with them the same table gives the same bytes (checked by the tests).
# Dictionary encoding only where values repeat (codes, places): on ids it costs time and saves nothing.
_PARQUET = {"compression": "zstd", "compression_level": 1, "write_statistics": True}
_DICTIONARY = {"channel", "terminal_id", "place_code", "scene_code", "merchant_name", "result", "kind",
               "source_db", "table", "key_column", "column", "defect"}  # fmt: skip

_SCENES: tuple[Scenario, ...] = tuple(SCENARIOS.values())
_SCENE_IX = {s.code: i for i, s in enumerate(_SCENES)}
_WEEKDAY_VOLUME = np.array([1.0, 0.98, 0.98, 0.98, 1.0, 1.03, 1.03])  # Mon..Sun, mean exactly 1
_HOLIDAYS = {(1, 1), *((5, d) for d in range(1, 6)), *((10, d) for d in range(1, 8))}  # 元旦 / 劳动节 / 国庆
_TRAVEL_SHARE = 0.12  # share of offline use outside the holder's own county (异地用卡)
_TRAVEL_WEIGHT = np.array([3.0 if c == "511102" else 2.0 if c == "511181" else 1.0 for c in COUNTY_CODES])
# Defects injected at `world.dirt_rate`: (defect, column it spoils).
_DEFECTS = (
    ("future_time", "event_time"),
    ("unknown_card", "card_no"),
    ("negative_amount", "amount"),
    ("null_required", "card_no"),
    ("null_required", "event_time"),
)


class WorldLike(Protocol):
    """What the event stream needs from `simulators.world.World`."""

    scale: Any  # .events, .event_days
    seed: int
    dirt_rate: float
    residents: pa.Table
    cards: pa.Table

    def rng(self, stream: str) -> np.random.Generator: ...


@dataclass(frozen=True, slots=True)
class EventsResult:
    rows: int
    files: list[Path]  # the message files, one per date
    digest: str  # sha256 over every written file (messages, kinds, dirt) in date order
    truth_files: list[Path] = field(default_factory=list)
    dirt_rows: int = 0


@dataclass(frozen=True, slots=True)
class DayEvents:
    events: pa.Table
    kinds: pa.Table
    dirt: pa.Table


@dataclass(frozen=True, slots=True)
class _Context:
    holders: Holders
    venues: Venues
    random_per_day: float  # expected random (non-scheduled) messages per day
    unknown_prefix: str  # a card-number prefix no card in the master uses


def write_events(world: WorldLike, start: date, end: date, root: Path | None = None) -> EventsResult:
    """Write the messages of every date in [start, end] (inclusive), replacing those dates' files."""
    if end < start:
        raise ValueError(f"结束日期 {end} 早于开始日期 {start}")
    base = Path(root) if root is not None else get_settings().sources_dir
    digest, files, truth, rows, dirt_rows = hashlib.sha256(), [], [], 0, 0
    # Encoding and writing day d overlaps generating day d+1 (pyarrow releases the GIL); the digest
    # is still fed in date order because the futures are consumed in order.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="events-writer") as writer:
        pending: list[Future] = []
        for day in _dates(start, end):
            out = generate_day(world, day)
            rows, dirt_rows = rows + out.events.num_rows, dirt_rows + out.dirt.num_rows
            pending.append(writer.submit(_write_day, base, day, out))
            if len(pending) > 1:
                _collect(pending.pop(0), digest, files, truth)
        for future in pending:
            _collect(future, digest, files, truth)
    return EventsResult(rows, files, digest.hexdigest(), truth, dirt_rows)


def _collect(future: Future, digest: Any, files: list[Path], truth: list[Path]) -> None:
    written = future.result()
    for _, data in written:
        digest.update(data)
    files.append(written[0][0])
    truth.extend(path for path, _ in written[1:])


def generate_day(world: WorldLike, day: date) -> DayEvents:
    """One day's messages, ground-truth kinds and dirt manifest (pure: writes nothing)."""
    ctx = _context(world)
    rng = world.rng(f"events:{day}")
    holder, scene = _who_and_what(ctx, rng, day)
    n = len(holder)
    channel = _pick_rows(_CHANNEL_CDF, scene, rng.random(n))
    channel = _CHANNEL_IX[scene, channel]
    county = _where_county(rng, ctx.holders.county[holder], _STAYS_HOME[scene])
    venue = ctx.venues.pick(rng, channel, county, ctx.holders.town[holder])
    time_ms = _times(rng, scene, day)
    amount = _amounts(rng, ctx, scene, holder, venue)
    failed = rng.random(n) < _FAIL[channel]
    defect = _defects(rng, n, world.dirt_rate, ~np.isnan(amount))
    order = np.argsort(time_ms, kind="stable")
    cols = {"holder": holder, "scene": scene, "channel": channel, "venue": venue, "time_ms": time_ms,
            "amount": amount, "failed": failed, "defect": defect}  # fmt: skip
    cols = {k: v[order] for k, v in cols.items()}
    event_id = _event_ids(day, n)
    events = _assemble(ctx, rng, day, event_id, cols)
    kinds = pa.table(
        {"event_id": event_id, "kind": _KIND_NAMES.take(pa.array(cols["scene"]))}, schema=KIND_SCHEMA
    )
    return DayEvents(events, kinds, _manifest(event_id, cols["defect"]))


# ---------------------------------------------------------------- who does what, when


def _who_and_what(ctx: _Context, rng: np.random.Generator, day: date) -> tuple[np.ndarray, np.ndarray]:
    """Random use by active holders, then the scheduled payments of the day (养老金, 高龄津贴)."""
    volume = ctx.random_per_day * _WEEKDAY_VOLUME[day.weekday()] * (1 + 0.03 * np.clip(rng.normal(), -2, 2))
    holder = ctx.holders.draw(rng, max(0, round(volume)), day)
    scene = _pick_rows(_scene_cdf(day), ctx.holders.group[holder], rng.random(len(holder)))
    pension = ctx.holders.pensioners_paid_on(day)
    allowance = ctx.holders.allowance_paid_on(day)
    holder = np.concatenate([holder, pension, allowance])
    scene = np.concatenate(
        [scene, np.full(len(pension), _SCENE_IX["YLFF"]), np.full(len(allowance), _SCENE_IX["GLJT"])]
    )
    return holder.astype(np.int64), scene.astype(np.int64)


def _is_rest_day(day: date) -> bool:
    return day.weekday() >= 5 or (day.month, day.day) in _HOLIDAYS


def _scene_cdf(day: date) -> np.ndarray:
    """[group, scene] cumulative probabilities for random use on this day (weekends shift the mix)."""
    rest = _is_rest_day(day)
    weights = np.array([[0.0 if s.scheduled else s.weights[g] * (s.weekend if rest else 1.0) for s in _SCENES]
                        for g in range(len(GROUPS))])  # fmt: skip
    weights[weights.sum(axis=1) == 0] = [0.0 if s.scheduled else 1.0 for s in _SCENES]
    return _normalised_cdf(weights)


def _normalised_cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, axis=1)
    return cdf / cdf[:, -1:]


def _pick_rows(cdf: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Column index per draw from the cumulative distribution in row `row[i]` of `cdf`."""
    picked = (cdf[row] <= u[:, None]).sum(axis=1)
    return np.minimum(picked, cdf.shape[1] - 1)


def _channel_tables() -> tuple[np.ndarray, np.ndarray]:
    width = max(len(s.channels) for s in _SCENES)
    weights = np.zeros((len(_SCENES), width))
    index = np.zeros((len(_SCENES), width), np.int64)
    for i, s in enumerate(_SCENES):
        for j, (code, w) in enumerate(s.channels):
            weights[i, j], index[i, j] = w, CHANNEL_CODES.index(code)
    return _normalised_cdf(weights), index


_CHANNEL_CDF, _CHANNEL_IX = _channel_tables()
_FAIL = np.array([FAILURE_RATE[c] for c in CHANNEL_CODES])
_PROFILE_NAMES = tuple(HOUR_PROFILES)
_PROFILE_CDF = _normalised_cdf(np.array([HOUR_PROFILES[p] for p in _PROFILE_NAMES]))
_SCENE_PROFILE = np.array([_PROFILE_NAMES.index(s.profile) for s in _SCENES])
_STAYS_HOME = np.array([s.kind == "待遇发放类" for s in _SCENES])
_KIND_NAMES = pa.array([s.kind for s in _SCENES], pa.string())


def _where_county(rng: np.random.Generator, home: np.ndarray, stays_home: np.ndarray) -> np.ndarray:
    """The county of use: home, or elsewhere for a share of offline use (benefits stay at home banks)."""
    travel = (rng.random(len(home)) < _TRAVEL_SHARE) & ~stays_home
    elsewhere = np.searchsorted(
        np.cumsum(_TRAVEL_WEIGHT) / _TRAVEL_WEIGHT.sum(), rng.random(len(home)), "right"
    )
    return np.where(travel, np.minimum(elsewhere, len(COUNTY_CODES) - 1), home)


def _times(rng: np.random.Generator, scene: np.ndarray, day: date) -> np.ndarray:
    """UTC milliseconds: the scenario's hour profile from 08:00 Beijing (= 00:00 UTC) on `day`."""
    hour = _pick_rows(_PROFILE_CDF, _SCENE_PROFILE[scene], rng.random(len(scene)))
    return _epoch_ms(day) + hour * 3_600_000 + rng.integers(0, 3_600_000, len(scene))


def _epoch_ms(day: date) -> int:
    return (day - date(1970, 1, 1)).days * 86_400_000


# ---------------------------------------------------------------- amounts


def _amounts(rng: np.random.Generator, ctx: _Context, scene: np.ndarray, holder: np.ndarray,
             venue: np.ndarray) -> np.ndarray:  # fmt: skip
    """Yuan for spending and benefit scenarios, NaN (→ null) for the others."""
    z = rng.standard_normal(len(scene))
    amount = np.full(len(scene), np.nan)
    for i, s in enumerate(_SCENES):
        if s.amount is None:
            continue
        hit = scene == i
        spec = s.amount
        value = np.clip(spec.median * np.exp(spec.sigma * z[hit]), spec.low, spec.high)
        amount[hit] = np.round(np.round(value / spec.step) * spec.step, 2)
    _special_amounts(ctx, scene, holder, venue, amount)
    return amount


def _special_amounts(ctx: _Context, scene: np.ndarray, holder: np.ndarray, venue: np.ndarray,
                     amount: np.ndarray) -> None:  # fmt: skip
    """Amounts fixed by the person or place: own pension, 高龄津贴 by age, the spot's ticket price."""
    pension = scene == _SCENE_IX["YLFF"]
    amount[pension] = ctx.holders.pension[holder[pension]]
    allowance = scene == _SCENE_IX["GLJT"]
    age = ctx.holders.age[holder[allowance]]
    amount[allowance] = np.select([age >= 100, age >= 90], [500.0, 200.0], 100.0)
    ticket = scene == _SCENE_IX["JQGP"]
    price = ctx.venues.price[venue[ticket]]
    concession = np.isin(ctx.holders.group[holder[ticket]], [1, 3])  # 学生 / 老年 半价
    amount[ticket] = np.where(price > 0, price, 10.0) * np.where(concession, 0.5, 1.0)


# ---------------------------------------------------------------- dirt


def _defects(rng: np.random.Generator, n: int, rate: float, has_amount: np.ndarray) -> np.ndarray:
    """Index into `_DEFECTS` per row, -1 for clean rows. Draws the same numbers whatever the rate."""
    hit = rng.random(n) < rate
    kind = rng.integers(0, len(_DEFECTS), n)
    fallback = rng.choice([0, 1, 3, 4], n)
    kind = np.where((kind == 2) & ~has_amount, fallback, kind)  # a negative amount needs an amount
    return np.where(hit, kind, -1)


def _manifest(event_id: pa.Array, defect: np.ndarray) -> pa.Table:
    rows = np.flatnonzero(defect >= 0)
    names = pa.array([d for d, _ in _DEFECTS], pa.string())
    columns = pa.array([c for _, c in _DEFECTS], pa.string())
    n = len(rows)
    return pa.table(
        {
            "source_db": pa.array(["card_events"] * n, pa.string()),
            "table": pa.array(["card_events"] * n, pa.string()),
            "key_column": pa.array(["event_id"] * n, pa.string()),
            "key_value": event_id.take(pa.array(rows, pa.int64())),
            "column": columns.take(pa.array(defect[rows])),
            "defect": names.take(pa.array(defect[rows])),
        },
        schema=DIRT_SCHEMA,
    )


# ---------------------------------------------------------------- assembly and files


def _event_ids(day: date, n: int) -> pa.Array:
    """`EV` + date + 8-digit sequence in arrival order: unique, and stable for a regenerated day."""
    return strs.join(f"EV{day:%Y%m%d}", strs.zpad(np.arange(1, n + 1), 8))


def _assemble(ctx: _Context, rng: np.random.Generator, day: date, event_id: pa.Array,
              cols: dict[str, np.ndarray]) -> pa.Table:  # fmt: skip
    holder, defect = pa.array(cols["holder"]), cols["defect"]
    time_ms, amount = cols["time_ms"].copy(), cols["amount"].copy()
    future = defect == 0
    time_ms[future] += (max(_epoch_ms(day), _epoch_ms(ANCHOR)) - _epoch_ms(day)) + rng.integers(
        30, 400, int(future.sum())
    ) * 86_400_000
    amount[defect == 2] = -np.abs(amount[defect == 2])
    card_no = ctx.holders.card_no.take(holder)
    unknown = defect == 1
    fake = strs.join(ctx.unknown_prefix, strs.zpad(rng.integers(0, 10**7, int(unknown.sum())), 7))
    card_no = pc.replace_with_mask(card_no, pa.array(unknown), fake)
    card_no = pc.if_else(pa.array(defect == 3), pa.scalar(None, pa.string()), card_no)
    event_time = pa.array(time_ms, pa.timestamp("ms", tz="UTC"), mask=defect == 4)
    return pa.table(
        {
            "event_id": event_id,
            "card_no": card_no,
            "id_number": ctx.holders.id_number.take(holder),
            "event_time": event_time,
            "channel": _CHANNEL_CODE_ARRAY.take(pa.array(cols["channel"])),
            "terminal_id": ctx.venues.terminal_id.take(pa.array(cols["venue"])),
            "place_code": ctx.venues.place_code.take(pa.array(cols["venue"])),
            "scene_code": _SCENE_CODE_ARRAY.take(pa.array(cols["scene"])),
            "amount": pa.array(amount, pa.float64(), mask=np.isnan(amount)),
            "merchant_name": _merchants(ctx.venues, cols["scene"], cols["venue"]),
            "result": _RESULTS.take(pa.array(cols["failed"].astype(np.int8))),
        },
        schema=EVENT_SCHEMA,
    )


_CHANNEL_CODE_ARRAY = pa.array(CHANNEL_CODES, pa.string())
_SCENE_CODE_ARRAY = pa.array([s.code for s in _SCENES], pa.string())
_RESULTS = pa.array(["成功", "失败"], pa.string())
_FIXED_MERCHANTS = sorted({s.merchant for s in _SCENES if s.merchant not in ("venue", "none")})


def _merchant_modes() -> tuple[np.ndarray, np.ndarray]:
    """Per scene: 0 = the place's name, 1 = null, 2 = a fixed payer/operator (index in the list)."""
    mode = np.array([0 if s.merchant == "venue" else 1 if s.merchant == "none" else 2 for s in _SCENES])
    fixed = np.array(
        [_FIXED_MERCHANTS.index(s.merchant) if m == 2 else 0 for s, m in zip(_SCENES, mode, strict=True)]
    )
    return mode, fixed


_MERCHANT_MODE, _MERCHANT_FIXED = _merchant_modes()


def _merchants(venues: Venues, scene: np.ndarray, venue: np.ndarray) -> pa.Array:
    names = pa.concat_arrays([venues.place_name, pa.array([*_FIXED_MERCHANTS, None], pa.string())])
    base = len(venues.place_name)
    mode = _MERCHANT_MODE[scene]
    index = np.where(
        mode == 0, venue, np.where(mode == 2, base + _MERCHANT_FIXED[scene], base + len(_FIXED_MERCHANTS))
    )
    return names.take(pa.array(index))


def _write_day(base: Path, day: date, out: DayEvents) -> list[tuple[Path, bytes]]:
    """Write the day's three files, each via a temporary name and `os.replace`; return their bytes."""
    targets = (
        (base / "card_events", out.events),
        (base / "truth" / "event_kinds", out.kinds),
        (base / "truth" / "events_dirt", out.dirt),
    )
    written = []
    for folder, table in targets:
        data = _parquet_bytes(table)
        written.append((_replace_file(folder / f"dt={day}" / "part-0.parquet", data), data))
    return written


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(
        table, sink, use_dictionary=[c for c in table.column_names if c in _DICTIONARY], **_PARQUET
    )
    return sink.getvalue().to_pybytes()


def _replace_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _dates(start: date, end: date) -> Iterator[date]:
    for i in range((end - start).days + 1):
        yield start + timedelta(days=i)


# ---------------------------------------------------------------- per-world context

_CACHE: dict[int, tuple[WorldLike, _Context]] = {}


def _context(world: WorldLike) -> _Context:
    """Holders and terminals of this world, built once (the last world only is kept)."""
    hit = _CACHE.get(id(world))
    if hit is not None and hit[0] is world:
        return hit[1]
    holders = build_holders(world.rng("events:holders"), world.residents, world.cards)
    venues = build_venues(world.seed, _institutions(world.seed))
    per_day = world.scale.events / world.scale.event_days - holders.scheduled_per_day()
    ctx = _Context(holders, venues, max(0.0, per_day), _unknown_prefix(world.cards))
    _CACHE.clear()
    _CACHE[id(world)] = (world, ctx)
    return ctx


def _institutions(seed: int) -> pa.Table:
    from simulators.institutions import institutions

    return institutions(seed)


def _unknown_prefix(cards: pa.Table) -> str:
    """Two characters no card number in the master starts with: `unknown_card` rows never collide."""
    numbers = cards.column("card_no")
    for prefix in ("X9", "Y9", "W9", "Z9", "Q9"):
        if not pc.any(pc.starts_with(numbers, prefix)).as_py():
            return prefix
    raise ValueError("卡号主数据用尽了备用前缀，无法构造未知卡号")
