"""设备告警 (silver.ops_terminal_alarm) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("terminal_alarm")
