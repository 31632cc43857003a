"""成品卡 (silver.ops_card_finished) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("card_finished")
