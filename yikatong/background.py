"""后台进程：`make run` 启动的各项服务（API、dbt 文档、Superset、各模拟系统）共用的启停管理.

A :class:`Background` names one service by a folder, a file stem and a marker. Its pid file
``<folder>/<stem>.pid`` holds the pid (and the port, when it has one); ``<stem>.log`` collects its
output. The process is started detached: its own session and process group (so stopping the
leader stops its workers too, and it outlives the command that started it), stdin closed.

A pid file is believed only while that pid is alive, not a zombie, and its command line holds the
marker: a stale file left by a crash or a reboot (the pid reused by something else) is ignored,
and removed by :meth:`Background.stop`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Running:
    """A live background process: its pid and the port it was started on (if any)."""

    pid: int
    port: int | None


@dataclass(frozen=True)
class Background:
    """One background service: ``folder()`` (read at each call: settings may change), file stem,
    and the bytes its command line must contain."""

    folder: Callable[[], Path]
    stem: str
    marker: bytes

    @property
    def pid_file(self) -> Path:
        return self.folder() / f"{self.stem}.pid"

    @property
    def log_file(self) -> Path:
        return self.folder() / f"{self.stem}.log"

    def running(self) -> Running | None:
        """The live process this pid file names, or None (no file, dead, or someone else's pid)."""
        try:
            fields = self.pid_file.read_text().split()
            pid = int(fields[0])
            port = int(fields[1]) if len(fields) > 1 else None
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return None
        return Running(pid, port) if self.marker in cmdline and alive(pid) else None

    def running_pid(self) -> int | None:
        found = self.running()
        return found.pid if found else None

    def start(
        self,
        command: list[str],
        *,
        port: int | None = None,
        cwd: Path | str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen:
        """Start ``command`` detached, output appended to the log; records its pid (and port)."""
        folder = self.folder()
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ if env is None else env)
        if env.get("YKT_HOME"):  # the child may start elsewhere (cwd): give it the same home
            env["YKT_HOME"] = str(Path(env["YKT_HOME"]).expanduser().absolute())
        with self.log_file.open("a", encoding="utf-8") as log:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n{port}\n" if port is not None else f"{proc.pid}\n")
        _until_exec(proc)
        return proc

    def wait(
        self,
        proc: subprocess.Popen,
        ready: Callable[[], bool],
        *,
        timeout: float,
        interval: float = 0.5,
        error: Callable[[str], Exception] = RuntimeError,
        what: str = "后台进程未能启动",
    ) -> None:
        """Poll ``ready()`` until true; if the process exits or ``timeout`` passes first, stop it
        and raise ``error`` with ``what``, the log's path and its tail."""
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise error(f"{what}，日志 {self.log_file}：\n{self.tail()}")
            time.sleep(interval)

    def ensure(
        self,
        command: list[str],
        *,
        port: int,
        label: str,
        ready_url: str | None = None,
        note: str = "",
        cwd: Path | str | None = None,
        timeout: float = 60,
        error: Callable[[str], Exception] = RuntimeError,
    ) -> str:
        """Start ``command`` unless ours runs or something already answers on ``port``; wait until
        ``ready_url`` answers 200 (or, without one, the port accepts); one line for humans:
        ``"<label> 已启动<note>"`` or ``"<label> 已在运行<note>"``.

        The port check makes a second ``make run`` (or a service someone started by hand) a no-op
        instead of a second process that dies on a taken port."""
        if self.running_pid() is not None or port_open("127.0.0.1", port):
            return f"{label} 已在运行{note}"
        proc = self.start(command, port=port, cwd=cwd)
        ready = (lambda: http_ok(ready_url)) if ready_url else (lambda: port_open("127.0.0.1", port))
        self.wait(proc, ready, timeout=timeout, error=error, what=f"{label} 未能启动")
        return f"{label} 已启动{note}"

    def stop(self, wait: float = 15) -> bool:
        """SIGTERM to the process group, then SIGKILL after ``wait`` s; removes the pid file (a
        stale one too). False when nothing of ours was running."""
        found = self.running()
        self.pid_file.unlink(missing_ok=True)
        if found is None:
            return False
        for sig, patience in ((signal.SIGTERM, wait), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(found.pid, sig)
            deadline = time.monotonic() + patience
            while time.monotonic() < deadline and alive(found.pid):
                time.sleep(0.1)
            if not alive(found.pid):
                break
        return True

    def tail(self, chars: int = 2000) -> str:
        log = self.log_file
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""


def _until_exec(proc: subprocess.Popen, patience: float = 2.0) -> None:
    """Wait until the child runs its command: `Popen` may return while the child is still between
    fork and exec (its /proc cmdline empty), when :meth:`Background.running` would not recognise it."""
    deadline = time.monotonic() + patience
    while proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{proc.pid}/cmdline").read_bytes():
                return
        time.sleep(0.002)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a child of ours that exited is reaped; a zombie is not alive)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def port_open(host: str, port: int, timeout: float = 1) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with socket.socket() as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def http_ok(url: str, timeout: float = 2) -> bool:
    """Whether ``GET url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
