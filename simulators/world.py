"""The simulated outside world: generate every upstream system for a scale and seed, or advance it.

`simulate(scale, seed, dirt_rate)` builds the residents, their card histories and insurance, loads
省卡管系统 / 全民参保库 / 持卡库 / 社保业务库 into their own databases (tables dropped and recreated,
so a rerun is clean), writes the card-use event stream and the exchange directories, and returns a
fingerprint: a SHA-256 over everything generated, equal for equal seeds and scales. `advance(days)`
appends days of changes after the last simulated day (see `simulators.advance`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from simulators import clock, dirt, events, exchange, insured, state
from simulators.cardstatus import build_history
from simulators.cardtables import CardHistory
from simulators.employers import employers
from simulators.population import generate_residents
from simulators.rand import stream_rng
from simulators.scales import ANCHOR, Scale, get_scale
from simulators.sources import SYSTEMS, System, business, card_system, holder, insurance
from simulators.sources.business_rows import BusinessContext
from simulators.sources.loader import load_database, table_digest
from yikatong import db

Progress = Callable[[str, int, int], None]
STAGES = (
    "居民",
    "卡管系统",
    "全民参保库",
    "持卡库",
    "社保业务库",
    "用卡轨迹",
    "交换平台",
    "入库",
    "状态与指纹",
)


@dataclass
class World:
    """What every part of the simulation shares: the run's parameters, residents and current cards."""

    scale: Scale
    seed: int
    dirt_rate: float
    residents: pa.Table  # clean, see simulators.population
    cards: (
        pa.Table
    )  # clean current cards: card_no, id_number, status, issue_date, expiry_date, bank_account, region_code
    as_of: date = ANCHOR

    def rng(self, stream: str) -> np.random.Generator:
        """An independent deterministic generator for a named stream."""
        return stream_rng(self.seed, stream)


@dataclass
class SimResult:
    scale: str
    seed: int
    dirt_rate: float
    as_of: date
    fingerprint: str
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # database → table → rows written
    dirt_rows: int = 0
    event_rows: int = 0
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"规模 {self.scale}  种子 {self.seed}  脏数据比例 {self.dirt_rate}  数据截至 {self.as_of}"]
        for database, tables in self.rows.items():
            lines.append(f"  {database}: " + ", ".join(f"{t} {n:,}" for t, n in tables.items()))
        lines.append(f"  用卡轨迹消息 {self.event_rows:,} 条；注入脏数据 {self.dirt_rows:,} 行")
        lines.append("  耗时 " + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()))
        return "\n".join(lines)


class Stages:
    """Progress reports and wall time per stage."""

    def __init__(self, progress: Progress | None, names: tuple[str, ...] = STAGES):
        self.progress, self.names, self.timings = progress, names, {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        if self.progress:
            self.progress(name, 0, 1)
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
        if self.progress:
            self.progress(name, 1, 1)


def contract_cards(current: pa.Table) -> pa.Table:
    """World.cards from the neutral current-card table."""
    return pa.table(
        {
            "card_no": current["card_no"],
            "id_number": current["id_number"],
            "status": current["status"],
            "issue_date": current["issue_date"],
            "expiry_date": current["expiry_date"],
            "bank_account": current["bank_account"],
            "region_code": current["county"],
        }
    )


def event_window(scale: Scale, last: date = ANCHOR) -> list[date]:
    return [last - timedelta(days=i) for i in range(scale.event_days - 1, -1, -1)]


def simulate(scale: str, seed: int, dirt_rate: float, progress: Progress | None = None) -> SimResult:
    """Generate every upstream system for `scale` and `seed` (see the module docstring)."""
    sc = get_scale(scale)
    if not 0 <= dirt_rate <= 0.2:
        raise ValueError(f"脏数据比例 {dirt_rate} 超出范围，应在 0 到 0.2 之间")
    st = Stages(progress)
    with st.stage("居民"):
        residents = generate_residents(sc, seed)
        history = build_history(residents, seed, clock.day_end(ANCHOR))
        world = World(sc, seed, dirt_rate, residents, contract_cards(history.current()))
    db.ensure_databases(db.SOURCE_DATABASES)
    ctx = dirt.DirtContext(seed, dirt_rate, clock.day_end(ANCHOR), set(), history.cards.num_rows + 1)
    ctx.resident_ids = set(residents["id_number"].to_pylist()) if dirt_rate > 0 else set()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="source-load") as pool:
        loads = _build_and_load(st, pool, world, history, ctx)
        with st.stage("用卡轨迹"):
            ev = events.write_events(world, event_window(sc)[0], ANCHOR)
        with st.stage("交换平台"):
            ex = exchange.write_directories(world)
        with st.stage("入库"):
            digests = {name: f.result() for name, f in loads.items()}
    with st.stage("状态与指纹"):
        manifest = dirt.manifest_table(ctx.manifests)
        parts = [
            table_digest("residents", residents),
            *(d for name in SYSTEMS for d in digests[name][1].values()),
            table_digest("dirt_manifest", manifest),
            ev.digest,
            ex.digest,
        ]
        fingerprint = combine(parts)
        state.write_manifest_file(manifest)
        state.save(world, history.current(), fingerprint, ctx.next_card_serial)
    rows = {name: digests[name][0] for name in SYSTEMS}
    return SimResult(
        sc.name,
        seed,
        dirt_rate,
        ANCHOR,
        fingerprint,
        rows,
        manifest.num_rows,
        ev.rows,
        ev.files + ex.files,
        st.timings,
    )


def combine(digests: list[str]) -> str:
    """The fingerprint: SHA-256 over the part digests, in their fixed order."""
    h = hashlib.sha256()
    for d in digests:
        h.update(d.encode() + b"\n")
    return h.hexdigest()


def _build_and_load(
    st: Stages, pool: ThreadPoolExecutor, world: World, history: CardHistory, ctx: dirt.DirtContext
):
    """Build each system's tables, spoil them, and load them in the background (one thread per database)."""
    prof = insured.profile(world.residents, world.seed)
    builders: dict[str, tuple[str, Callable[[], dict[str, pa.Table]]]] = {
        card_system.DATABASE: ("卡管系统", lambda: card_system.tables(history)),
        insurance.DATABASE: (
            "全民参保库",
            lambda: insurance.tables(world.residents, prof, employers(world.scale, world.seed), world.seed),
        ),
        holder.DATABASE: ("持卡库", lambda: holder.tables(world.residents, history)),
        business.DATABASE: (
            "社保业务库",
            lambda: business.tables(
                _business_context(world, prof, history.current()), event_window(world.scale)
            ),
        ),
    }
    loads: dict[str, Future] = {}
    for name, system in SYSTEMS.items():
        stage, build = builders[name]
        with st.stage(stage):
            tables = dirt.inject(ctx, name, build(), system.keys)
            loads[name] = pool.submit(_load, system, tables, ctx.manifests_for(name))
    return loads


def _business_context(world: World, prof: insured.Profile, current: pa.Table) -> BusinessContext:
    sc = world.scale
    return BusinessContext(
        world.residents, prof, current, world.seed, sc.settlements_per_day, sc.transactions_per_day
    )


def _load(
    system: System, tables: dict[str, pa.Table], manifest: pa.Table
) -> tuple[dict[str, int], dict[str, str]]:
    tables = tables | {"dirt_manifest": manifest}
    digests = load_database(
        system.database,
        system.ddl + dirt.MANIFEST_DDL,
        (*system.tables, "dirt_manifest"),
        tables,
        system.finish + dirt.MANIFEST_FINISH,
    )
    digests.pop("dirt_manifest")
    return {t: tables[t].num_rows for t in system.tables}, digests


def advance(days: int = 1, progress: Progress | None = None) -> SimResult:
    """Append `days` days of changes after the last simulated day (see `simulators.advance`)."""
    from simulators import advance as advancing  # imported here: it builds on this module

    return advancing.advance(days, progress)


@dataclass(frozen=True, slots=True)
class Ensured:
    """What `make run` found or made: the state's fingerprint, and whether it was reused."""

    reused: bool
    fingerprint: str
    scale: str
    as_of: date
    result: SimResult | None = None

    def summary(self) -> str:
        return (
            self.result.summary().splitlines()[0]
            if self.result
            else f"规模 {self.scale}，数据截至 {self.as_of}"
        )


def ensure_simulated(scale: str, seed: int, dirt_rate: float, progress: Progress | None = None) -> Ensured:
    """Generate the upstream systems unless the same scale, seed and dirt rate are already there."""
    get_scale(scale)  # refuse an unknown scale before touching anything
    try:
        st = state.load()
    except state.NotSimulatedError:
        st = None
    if st and (st.scale, st.seed, st.dirt_rate) == (scale, seed, dirt_rate):
        return Ensured(True, st.fingerprint, st.scale, st.as_of)
    result = simulate(scale, seed, dirt_rate, progress)
    return Ensured(False, result.fingerprint, scale, result.as_of, result)
