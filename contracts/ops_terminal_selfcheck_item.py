"""开机自检明细 (silver.ops_terminal_selfcheck_item) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("terminal_selfcheck_item")
