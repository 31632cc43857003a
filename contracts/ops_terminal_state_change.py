"""设备状态变化 (silver.ops_terminal_state_change) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("terminal_state_change")
