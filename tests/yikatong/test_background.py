"""Background processes (yikatong.background): detached start with pid file and log, waiting for
readiness, finding the process again, stale pid files, SIGTERM then SIGKILL."""

from __future__ import annotations

import os
import socket
import sys
import time

import pytest

from yikatong.background import Background, alive, http_ok, port_open

STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
    "time.sleep(120)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _closes(port: int, patience: float = 5) -> bool:
    """Whether the port is (or soon becomes) closed. A single probe can be fooled: a connect to a
    free ephemeral port of 127.0.0.1 may, rarely, pick that same port as its source and connect to
    itself (TCP simultaneous open), which CI once hit."""
    deadline = time.monotonic() + patience
    while port_open("127.0.0.1", port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_serve_find_again_and_stop(tmp_path):
    port = _free_port()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("乐山", encoding="utf-8")
    server = Background(lambda: tmp_path / "run", "static", b"http.server")
    command = [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(site),
    ]
    proc = server.start(command, port=port)
    url = f"http://127.0.0.1:{port}/index.html"
    server.wait(proc, lambda: http_ok(url), timeout=30, interval=0.1)
    assert os.getpgid(proc.pid) == proc.pid, "the process leads its own group (detached)"
    again = Background(lambda: tmp_path / "run", "static", b"http.server").running()
    assert again is not None and (again.pid, again.port) == (proc.pid, port)
    assert server.stop() is True
    assert not alive(proc.pid)
    assert _closes(port), "nothing listens on the port once the server stopped"
    assert not server.pid_file.exists() and server.running() is None
    assert server.stop() is False


def test_a_stale_pid_file_is_ignored_and_removed(tmp_path):
    service = Background(lambda: tmp_path, "svc", b"no-such-marker")
    service.pid_file.write_text(f"{os.getpid()}\n8099\n")  # alive, but not ours: a reused pid
    assert service.running() is None
    service.pid_file.write_text("999999999\n")  # no such process
    assert service.running() is None
    assert service.stop() is False and not service.pid_file.exists()
    service.pid_file.write_text("garbage")
    assert service.running() is None


def test_a_process_ignoring_sigterm_is_killed(tmp_path):
    service = Background(lambda: tmp_path, "stubborn", b"SIG_IGN")
    proc = service.start([sys.executable, "-c", STUBBORN])
    service.wait(proc, lambda: "up" in service.tail(), timeout=30, interval=0.1)
    assert service.running_pid() == proc.pid
    assert service.stop(wait=0.5) is True
    assert not alive(proc.pid)


def test_a_process_that_dies_while_starting_is_reported_with_its_log(tmp_path):
    service = Background(lambda: tmp_path, "broken", b"-c")
    proc = service.start([sys.executable, "-c", "import sys; print('端口被占用'); sys.exit(3)"])
    with pytest.raises(LookupError, match="端口被占用") as raised:
        service.wait(
            proc, lambda: False, timeout=30, interval=0.1, error=LookupError, what="模拟服务未能启动"
        )
    assert str(service.log_file) in str(raised.value) and "模拟服务未能启动" in str(raised.value)
    assert not service.pid_file.exists()


def test_ensure_starts_once_and_names_the_service(tmp_path):
    port = _free_port()
    server = Background(lambda: tmp_path / "run", "ensured", b"http.server")
    command = [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(tmp_path),
    ]
    url = f"http://127.0.0.1:{port}/"
    try:
        line = server.ensure(command, port=port, label=f"静态站点 {url}", ready_url=url, note="（测试）")
        assert line == f"静态站点 {url} 已启动（测试）" and http_ok(url)
        pid = server.running_pid()
        assert pid is not None and server.running().port == port
        again = server.ensure(command, port=port, label=f"静态站点 {url}", ready_url=url)
        assert again == f"静态站点 {url} 已在运行" and server.running_pid() == pid, "no second process"
    finally:
        server.stop()
    assert _closes(port)


def test_ensure_leaves_a_port_someone_else_serves_alone(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        service = Background(lambda: tmp_path, "elsewhere", b"http.server")
        line = service.ensure([sys.executable, "-c", "raise SystemExit(9)"], port=port, label="外部服务")
        assert line == "外部服务 已在运行"
        assert not service.pid_file.exists() and not service.log_file.exists(), "nothing was started"


def test_ensure_reports_a_start_that_fails_with_the_label_and_the_log(tmp_path):
    service = Background(lambda: tmp_path, "dies", b"-c")
    command = [sys.executable, "-c", "print('地址已被占用'); raise SystemExit(3)"]
    with pytest.raises(LookupError, match="地址已被占用") as raised:
        service.ensure(command, port=_free_port(), label="模拟服务", timeout=30, error=LookupError)
    assert "模拟服务 未能启动" in str(raised.value) and not service.pid_file.exists()


def test_a_started_process_is_found_at_once(tmp_path):
    """`start` returns once the child runs its command (never between fork and exec), so `running()`
    right after it knows the process; CI once caught the gap."""
    service = Background(lambda: tmp_path, "quick", b"marker-of-quick")
    for _ in range(40):
        proc = service.start([sys.executable, "-c", "import time; time.sleep(30)", "marker-of-quick"])
        try:
            assert service.running_pid() == proc.pid
        finally:
            proc.kill()
            proc.wait()
