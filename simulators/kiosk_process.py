"""终端模拟与省卡管模拟作为后台进程：启动一次、再次找到、停止（`ykt simulate fleet`、`make run`）.

Each runs in its own session (process group) with a pid file and a log under `<home>`:
`kiosk-fleet/fleet.pid` + `fleet.log` (the fleet's counts in `kiosk-fleet/status.json`) and
`card-system/card-system.pid` + `card-system.log` (the provincial card system simulator on
`YKT_CARD_SYSTEM_PORT`, which the API's write-back retries and batch queries call).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from yikatong.settings import REPO_ROOT, get_settings


class SimulatorProcessError(RuntimeError):
    """A simulator could not be started (message in Chinese)."""


@dataclass(frozen=True)
class Service:
    name: str  # directory under <home> and file stem
    module: str  # python -m <module>

    @property
    def folder(self) -> Path:
        path = get_settings().home / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def pid_file(self) -> Path:
        return self.folder / f"{self.stem}.pid"

    @property
    def log_file(self) -> Path:
        return self.folder / f"{self.stem}.log"

    @property
    def stem(self) -> str:
        return "fleet" if self.name == "kiosk-fleet" else self.name

    def running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return None
        return pid if self.module.encode() in cmdline and _alive(pid) else None

    def start(self, args: list[str]) -> int:
        log = self.log_file.open("a", encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *args],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def stop(self, wait: float = 15) -> bool:
        pid = self.running_pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.2)
            if not _alive(pid):
                break
        return True

    def tail(self, chars: int = 1500) -> str:
        return self.log_file.read_text(errors="replace")[-chars:] if self.log_file.exists() else ""


FLEET = Service("kiosk-fleet", "simulators.kiosk_fleet")
CARD_SYSTEM = Service("card-system", "simulators.card_system_api")


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_card_system(wait: float = 60) -> str:
    """The provincial card system simulator, unless something already answers on its port."""
    port = get_settings().card_system_port
    if CARD_SYSTEM.running_pid() is not None or _port_open(port):
        return f"省卡管模拟 http://127.0.0.1:{port} 已在运行"
    pid = CARD_SYSTEM.start([])
    deadline = time.monotonic() + wait
    while not _port_open(port):
        if not _alive(pid) or time.monotonic() > deadline:
            CARD_SYSTEM.stop()
            raise SimulatorProcessError(
                f"省卡管模拟未能启动，日志 {CARD_SYSTEM.log_file}：\n{CARD_SYSTEM.tail()}"
            )
        time.sleep(0.5)
    return f"省卡管模拟 http://127.0.0.1:{port} 已启动"


def start_fleet(devices: int = 20, seed: int = 7, speed: float = 60.0, wait: float = 120) -> str:
    """The fleet in the background; waits until it registered its kiosks and sent a first round."""
    if FLEET.running_pid() is not None:
        return f"终端模拟已在运行（pid {FLEET.running_pid()}）"
    status = FLEET.folder / "status.json"
    status.unlink(missing_ok=True)
    pid = FLEET.start(["live", "--devices", str(devices), "--seed", str(seed), "--speed", str(speed)])
    deadline = time.monotonic() + wait
    while not status.exists():
        if not _alive(pid) or time.monotonic() > deadline:
            FLEET.stop()
            raise SimulatorProcessError(f"终端模拟未能启动，日志 {FLEET.log_file}：\n{FLEET.tail()}")
        time.sleep(1)
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
    fleet = start_fleet()
    return f"{province}；{fleet}；ykt simulate fleet status 查看，ykt simulate fleet stop 停止"
