"""终端模拟与省卡管模拟作为后台进程：启动一次、再次找到、停止（`ykt simulate fleet`、`make run`）.

Each runs in its own session (process group) with a pid file and a log under `<home>`:
`kiosk-fleet/fleet.pid` + `fleet.log` (the fleet's counts in `kiosk-fleet/status.json`) and
`card-system/card-system.pid` + `card-system.log` (the provincial card system simulator on
`YKT_CARD_SYSTEM_PORT`, which the API's write-back retries and batch queries call).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from yikatong.background import Background
from yikatong.settings import REPO_ROOT, get_settings


class SimulatorProcessError(RuntimeError):
    """A simulator could not be started (message in Chinese)."""


@dataclass(frozen=True)
class Service:
    """A simulator run as ``python -m <module>`` in the background (:mod:`yikatong.background`)."""

    name: str  # directory under <home> and file stem
    module: str  # python -m <module>

    @property
    def folder(self) -> Path:
        path = get_settings().home / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def stem(self) -> str:
        return "fleet" if self.name == "kiosk-fleet" else self.name

    @property
    def process(self) -> Background:
        return Background(lambda: self.folder, self.stem, self.module.encode())

    @property
    def pid_file(self) -> Path:
        return self.process.pid_file

    @property
    def log_file(self) -> Path:
        return self.process.log_file

    def running_pid(self) -> int | None:
        return self.process.running_pid()

    def launch(self, args: list[str]) -> subprocess.Popen:
        return self.process.start([sys.executable, "-m", self.module, *args], cwd=REPO_ROOT)

    def start(self, args: list[str]) -> int:
        return self.launch(args).pid

    def wait(self, proc: subprocess.Popen, ready, timeout: float, what: str, interval: float = 0.5) -> None:
        self.process.wait(
            proc, ready, timeout=timeout, interval=interval, error=SimulatorProcessError, what=what
        )

    def stop(self, wait: float = 15) -> bool:
        return self.process.stop(wait)

    def tail(self, chars: int = 1500) -> str:
        return self.process.tail(chars)


FLEET = Service("kiosk-fleet", "simulators.kiosk_fleet")
CARD_SYSTEM = Service("card-system", "simulators.card_system_api")


def start_card_system(wait: float = 60) -> str:
    """The provincial card system simulator, unless something already answers on its port."""
    port = get_settings().card_system_port
    return CARD_SYSTEM.process.ensure(
        [sys.executable, "-m", CARD_SYSTEM.module],
        port=port,
        label=f"省卡管模拟 http://127.0.0.1:{port}",
        cwd=REPO_ROOT,
        timeout=wait,
        error=SimulatorProcessError,
    )


def start_fleet(devices: int = 20, seed: int = 7, speed: float = 60.0, wait: float = 120) -> str:
    """The fleet in the background; waits until it registered its kiosks and sent a first round."""
    if FLEET.running_pid() is not None:
        return f"终端模拟已在运行（pid {FLEET.running_pid()}）"
    status = FLEET.folder / "status.json"
    status.unlink(missing_ok=True)
    proc = FLEET.launch(["live", "--devices", str(devices), "--seed", str(seed), "--speed", str(speed)])
    FLEET.wait(proc, status.exists, wait, "终端模拟未能启动", interval=1)
    return f"终端模拟 {devices} 台已启动（种子 {seed}，{speed:g} 倍速）"


def fleet_status() -> dict:
    """Whether the fleet and the card system simulator run, and the fleet's latest counts."""
    status = FLEET.folder / "status.json"
    return {
        "fleet_pid": FLEET.running_pid(),
        "card_system_pid": CARD_SYSTEM.running_pid(),
        "fleet": json.loads(status.read_text()) if status.exists() else None,
    }


def stage_fleet() -> str:
    """`make run` stage 终端模拟: the card system simulator, then the fleet against the running API."""
    from services.process import base_url, ready

    if get_settings().profile == "prod":
        return "生产环境不启动模拟设备（仅 demo / test）"
    province = start_card_system()
    if not ready():
        raise SimulatorProcessError(f"API 未就绪（{base_url()}），无法启动终端模拟")
    history = import_fleet_history()
    fleet = start_fleet()
    return f"{province}；{history}；{fleet}；ykt simulate fleet status 查看，ykt simulate fleet stop 停止"


def import_fleet_history(devices: int = 20, seed: int = 7) -> str:
    """The fleet's recent past from the legacy system, once (`kiosk_legacy_import`), before the live
    fleet runs: a fleet still running from before the import is stopped for it (restarted after)."""
    from simulators import kiosk_legacy_import as legacy

    if legacy.pending(devices=devices, seed=seed) and FLEET.running_pid() is not None:
        FLEET.stop()
    result = legacy.import_history(
        devices=devices, seed=seed, progress=lambda m: print(f"  … {m}", flush=True)
    )
    return result.line()
