"""预制卡使用记录 (silver.ops_card_blank_usage) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("card_blank_usage")
