"""省卡管系统中渠道业务用到的接口：个人卡信息、申请（申领/补卡/换卡）、挂失/解挂、进度。"""

from __future__ import annotations

from typing import Any

from services.cards.card_system_client import CardSystemClient, CardSystemError

__all__ = ["CardSystemError", "ChannelCardSystem"]


class ChannelCardSystem(CardSystemClient):
    """The card-system adapter of `services.cards`, with the channel-side calls."""

    async def cards(self, id_number: str) -> list[dict[str, Any]]:
        """个人社保卡列表（AAZ500 卡号, AAZ502MC 卡状态…）；无此人员 → CardSystemError 1001。"""
        return await self._call("GET", f"/api/card/{id_number}")

    async def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /api/apply（AAC002, AAC003, YWLX, SQQD, ZPBH, …）；不符合条件 → CardSystemError。"""
        return await self._call("POST", "/api/apply", body)

    async def change_status(self, card_no: str, operation: str) -> dict[str, Any]:
        """临时挂失 / 解挂。"""
        return await self._call("POST", f"/api/card/{card_no}/status", {"CZLX": operation})

    async def progress(self, id_number: str) -> dict[str, Any]:
        return await self._call("GET", f"/api/card/progress/{id_number}")
