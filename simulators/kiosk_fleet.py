"""终端模拟：一组虚拟自助机通过真实的终端接口运行（实时运行，或快速回填历史）。

- `live`: every `tick_s` real seconds each kiosk heartbeats (with its seven components) and
  advances `tick_s · speed` simulated seconds: boot self-checks, logs, card business, consumables
  running down, hardware degrading with precursors and failing, going offline (no heartbeats for
  at least 7 real minutes, so the platform's 300 s timeout sees it). Calls carry the real time.
  Now and then a resident from the simulated systems gets a card made on the spot
  (即时申领 / 即时补换卡, `POST /api/v1/device/instant-issuances`): the kiosk's ID reader and camera,
  a pre-made card the province shipped (`kiosk_instant`, `kiosk_residents`); some are refused.
- `history`: replays the last N days (≤ 29: the device API refuses card events and self-checks
  older than 30 days) hour by hour as fast as the API answers, with the device times of the past.
  The device API takes live heartbeats only (device time within 5 minutes of the server's), so the
  hourly heartbeats of the past are applied with the platform's own state rules at their device
  time (`kiosk_state_history`): state changes and alarms as the live service would have written
  them. The failures that happened (the labels for a 7-day failure prediction) are written to
  `<home>/kiosk-fleet/history-failures.jsonl`.

Deterministic per seed: a kiosk's behaviour depends only on (seed, device ID, steps). Card serials,
event counters and the pre-made cards in the hopper continue across runs
(`<home>/kiosk-fleet/state.json`), so reruns never collide and no shipped card is forgotten.

    python -m simulators.kiosk_fleet live --devices 20 --seed 7 --speed 60
    python -m simulators.kiosk_fleet history --days 28 --devices 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from simulators import kiosk_residents, kiosk_state_history
from simulators.kiosk_api import CredentialStore, FleetApi, fleet_dir, layout
from simulators.kiosk_model import Kiosk
from simulators.kiosk_residents import WalkIns
from yikatong.settings import get_settings

MAX_HISTORY_DAYS = 29
OFFLINE_MIN_REAL_S = 420  # longer than the platform's default online timeout (300 s)


@dataclass
class FleetOptions:
    devices: int = 20
    seed: int = 7
    speed: float = 60.0  # simulated seconds per real second
    tick_s: float = 5.0  # real seconds between heartbeats
    writeback_fail_rate: float = 0.08
    rate_per_hour: float = 2.0
    instant_per_hour: float = 0.25  # instant issuances per kiosk and business hour (live runs)


def build_kiosks(options: FleetOptions, state: dict | None = None) -> list[Kiosk]:
    """The fleet's kiosks; `state` continues card serials and event counters of earlier runs."""
    state = state or {}
    kiosks = []
    for i, (device_id, outlet) in enumerate(layout(options.devices)):
        saved = state.get(device_id, {})
        kiosks.append(
            Kiosk(
                device_id,
                outlet,
                i,
                options.seed,
                serial=saved.get("serial", 0),
                event_seq=saved.get("event_seq", 0),
                premade=list(saved.get("premade", [])),
                rate_per_hour=options.rate_per_hour,
                writeback_fail_rate=options.writeback_fail_rate,
                instant_per_hour=options.instant_per_hour,
            )
        )
    return kiosks


def state_path() -> Path:
    return fleet_dir() / "state.json"


def load_state() -> dict:
    path = state_path()
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(kiosks: list[Kiosk]) -> None:
    state = load_state() | {
        k.device_id: {"serial": k.serial, "event_seq": k.event_seq, "premade": k.premade} for k in kiosks
    }
    state_path().write_text(json.dumps(state, indent=1, sort_keys=True))


class Fleet:
    """The kiosks and the platform they talk to."""

    def __init__(self, api: FleetApi, kiosks: list[Kiosk], options: FleetOptions) -> None:
        self.api, self.kiosks, self.options = api, kiosks, options
        self.stopping = False

    async def register(self) -> None:
        for kiosk in self.kiosks:  # one by one: staff calls are audited and cheap
            await self.api.ensure_registered(kiosk)

    async def open_instant(self, walk_ins: WalkIns) -> None:
        """Residents may now walk up for a card made on the spot; hoppers get pre-made cards."""
        for kiosk in self.kiosks:
            kiosk.walk_ins = walk_ins
            await self.api.restock_premade(kiosk)

    async def live(
        self, ticks: int | None = None, *, on_tick: Callable[[int, datetime], None] | None = None
    ) -> None:
        """Run until `ticks` ticks passed (or forever); each tick advances `tick_s · speed` sim seconds."""
        o = self.options
        sim = datetime.now(UTC)
        hours = o.tick_s * o.speed / 3600
        min_offline_h = OFFLINE_MIN_REAL_S * o.speed / 3600
        n = 0
        while not self.stopping and (ticks is None or n < ticks):
            started = time.monotonic()
            sim += timedelta(hours=hours)
            wall = datetime.now(UTC)
            await asyncio.gather(*(self._live_step(k, sim, wall, hours, min_offline_h) for k in self.kiosks))
            n += 1
            if on_tick:
                on_tick(n, sim)
            await asyncio.sleep(max(0.0, o.tick_s - (time.monotonic() - started)) if ticks is None else 0)

    async def _live_step(
        self, kiosk: Kiosk, sim: datetime, wall: datetime, hours: float, min_off: float
    ) -> None:
        kiosk.wall = wall
        calls = kiosk.step(sim, hours, min_offline_hours=min_off)
        if not kiosk.heartbeat_dropped(sim):
            calls.insert(0, kiosk.heartbeat(sim))
        await self.api.run(kiosk, calls)

    async def history(self, days: int, *, parallel: int = 4) -> list[dict]:
        """Backfill `days` days ending now, hour by hour; returns the failures that happened."""
        if not 1 <= days <= MAX_HISTORY_DAYS:
            raise ValueError(f"回填天数应为 1–{MAX_HISTORY_DAYS}（终端接口不接收 30 天前的事件与自检）")
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        start = end - timedelta(days=days)
        gate = asyncio.Semaphore(parallel)

        async def replay(kiosk: Kiosk) -> None:
            async with gate:
                states = await kiosk_state_history.replayable(kiosk.device_id, start)
                at = start
                while at < end and not self.stopping:
                    at += timedelta(hours=1)
                    await self.api.run(kiosk, kiosk.step(at, 1.0))
                    if states:
                        await kiosk_state_history.replay_hour(kiosk, at)

        await asyncio.gather(*(replay(k) for k in self.kiosks))
        return [f for k in self.kiosks for f in k.failures]


# ---- the command line (what `ykt simulate fleet` starts in the background) ---------------------
def _staff_headers(url: str, username: str) -> dict[str, str]:
    from services.client import login_with_key_file

    return {"Authorization": f"Bearer {login_with_key_file(username, None, None, url)}"}


def _write_status(payload: dict) -> None:
    path = fleet_dir() / "status.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1))
    tmp.replace(path)


async def _main(args: argparse.Namespace) -> None:
    from services.process import base_url

    url = args.url or base_url()
    options = FleetOptions(
        devices=args.devices, seed=args.seed, speed=args.speed, tick_s=args.tick,
        instant_per_hour=args.instant_rate,
    )  # fmt: skip
    kiosks = build_kiosks(options, load_state())
    settings = get_settings()
    province = {"base_url": settings.card_system_url, "headers": {"X-API-Key": settings.card_system_api_key}}
    async with (
        httpx.AsyncClient(base_url=url, timeout=30) as http,
        httpx.AsyncClient(**province, timeout=30) as card_system,
    ):
        api = FleetApi(http, _staff_headers(url, args.user), CredentialStore(), card_system)
        fleet = Fleet(api, kiosks, options)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: setattr(fleet, "stopping", True))
        await fleet.register()
        if args.mode == "live" and args.instant_rate > 0:
            counties = sorted({k.county for k in kiosks})
            walk_ins = await asyncio.to_thread(kiosk_residents.load, counties, seed=args.seed)
            await fleet.open_instant(walk_ins)
        _write_status({"mode": args.mode, "registered": len(kiosks), "ticks": 0})
        started = datetime.now(UTC).isoformat(timespec="seconds")
        base = {
            "mode": args.mode,
            "url": url,
            "devices": args.devices,
            "seed": args.seed,
            "started_at": started,
        }
        if args.mode == "history":
            failures = await fleet.history(args.days)
            lines = "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failures)
            (fleet_dir() / "history-failures.jsonl").write_text(lines)
            _write_status(base | {"days": args.days, "failures": len(failures), "tally": api.tally.as_dict()})
            tally = json.dumps(api.tally.as_dict(), ensure_ascii=False)
            print(f"回填 {args.days} 天：{len(kiosks)} 台设备，故障 {len(failures)} 次，{tally}")
        else:
            last: dict = {}

            def tick(n: int, sim: datetime) -> None:
                last.update(speed=args.speed, ticks=n, sim_time=sim.isoformat(timespec="minutes"))
                if n % 6 == 0:
                    save_state(kiosks)
                    _write_status(base | last | {"tally": api.tally.as_dict()})

            await fleet.live(args.ticks, on_tick=tick)
            _write_status(base | last | {"tally": api.tally.as_dict(), "stopped": True})  # the final counts
        save_state(kiosks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.kiosk_fleet", description="终端（自助机）模拟"
    )
    parser.add_argument("mode", choices=("live", "history"))
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--speed", type=float, default=60.0, help="模拟秒数 / 真实秒数（实时运行）")
    parser.add_argument("--tick", type=float, default=5.0, help="心跳间隔（真实秒）")
    parser.add_argument("--ticks", type=int, default=None, help="运行若干次后退出（默认一直运行）")
    parser.add_argument("--days", type=int, default=14, help="回填天数（history）")
    parser.add_argument(
        "--instant-rate", type=float, default=0.25, help="每台每营业小时即时制卡人数（实时运行；0 关闭）"
    )
    parser.add_argument("--url", default=None, help="API 地址（默认本机 YKT_API_PORT）")
    parser.add_argument("--user", default="sysadmin", help="登记设备所用的演示工作人员账号")
    asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
