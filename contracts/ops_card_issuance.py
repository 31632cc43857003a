"""设备发卡记录 (silver.ops_card_issuance) contract: see :mod:`contracts.ops`."""

from __future__ import annotations

from contracts import ops

CONTRACT = ops.contract("card_issuance")
