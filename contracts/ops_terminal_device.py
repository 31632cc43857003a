"""设备登记 (silver.ops_terminal_device) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("terminal_device")
