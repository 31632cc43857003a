"""预制卡添加记录 (silver.ops_card_blank_addition) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("card_blank_addition")
