"""The simulators as background processes (simulators.kiosk_process over yikatong.background): the
provincial card system simulator starts once on its port, is found again, and stops."""

from __future__ import annotations

import socket

import pytest

from simulators import kiosk_process
from yikatong.background import alive, port_open
from yikatong.settings import get_settings


@pytest.fixture
def card_system_port(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("YKT_CARD_SYSTEM_PORT", str(port))  # the child reads its port from here
    get_settings.cache_clear()
    yield port
    kiosk_process.CARD_SYSTEM.stop()
    get_settings.cache_clear()


@pytest.mark.integration
def test_the_card_system_simulator_starts_once_and_stops(card_system_port):
    assert kiosk_process.start_card_system() == f"省卡管模拟 http://127.0.0.1:{card_system_port} 已启动"
    pid = kiosk_process.CARD_SYSTEM.running_pid()
    assert pid is not None and kiosk_process.fleet_status()["card_system_pid"] == pid
    assert "已在运行" in kiosk_process.start_card_system()
    assert kiosk_process.CARD_SYSTEM.running_pid() == pid, "no second process"
    assert kiosk_process.CARD_SYSTEM.stop() is True
    assert not alive(pid) and not port_open("127.0.0.1", card_system_port)
    assert kiosk_process.CARD_SYSTEM.stop() is False and not kiosk_process.CARD_SYSTEM.pid_file.exists()
