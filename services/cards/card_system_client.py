"""省卡管系统 HTTP 接口的适配器（httpx）：制卡批次查询、制卡结果回盘、即时制卡的登记、激活与原卡注销。

Speaks the provincial interface as `simulators.card_system_api` does (a deployment points
`YKT_CARD_SYSTEM_URL` and `YKT_CARD_SYSTEM_API_KEY` at the province): header `X-Api-Key`, the
envelope `{"code": "0000", "message": "成功", "data": …}`, the system's own error codes on 4xx.
Every failure becomes a `CardSystemError` with the provincial code, its message and whether a
retry may help (network errors, timeouts and 5xx are transient; business refusals are not).
"""

from __future__ import annotations

from typing import Any

import httpx

from services.base.http import tls_context
from yikatong.settings import get_settings

OK = "0000"
ALREADY_WRITTEN_BACK = "4002"
TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class CardSystemError(Exception):
    """省卡管系统拒绝或不可达。"""

    def __init__(self, code: str, message: str, status: int | None = None, *, transient: bool = False):
        super().__init__(f"{code} {message}")
        self.code, self.message, self.status, self.transient = code, message, status, transient


class CardSystemClient:
    """`async with CardSystemClient() as cs: await cs.batch("P20261120001")`."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        settings = get_settings()
        self._http = httpx.AsyncClient(
            base_url=base_url or settings.card_system_url,
            headers={"X-Api-Key": api_key or settings.card_system_api_key},
            timeout=TIMEOUT,
            transport=transport,
            verify=tls_context(),
        )

    async def __aenter__(self) -> CardSystemClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, json: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.request(method, path, json=json)
        except httpx.TimeoutException:
            raise CardSystemError("TIMEOUT", "省卡管系统响应超时", transient=True) from None
        except httpx.TransportError as exc:
            raise CardSystemError(
                "NETWORK", f"无法连接省卡管系统（{type(exc).__name__}）", transient=True
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("code") or f"HTTP{response.status_code}")
        if response.is_success and code == OK:
            return body.get("data")
        message = str(body.get("message") or "省卡管系统返回了无法识别的应答")[:150]
        raise CardSystemError(code, message, response.status_code, transient=response.status_code >= 500)

    async def batch(self, batch_no: str) -> dict[str, Any]:
        """制卡批次数据：批次信息（BATCHNO, AAE008, ZKSL, ZKSJ, JSSJ）与卡列表 CARDS。"""
        return await self._call("GET", f"/api/batch/{batch_no}")

    async def write_back(self, card_no: str, bank_account: str, chip_no: str) -> dict[str, Any]:
        """制卡结果回盘（AAZ500 卡号, AAE010 银行账号, CHIPNO 芯片序列号）。"""
        return await self._call(
            "POST", "/api/writeback", {"AAZ500": card_no, "AAE010": bank_account, "CHIPNO": chip_no}
        )

    async def bind_instant_card(
        self, card_no: str, id_number: str, name: str, bank_account: str, chip_no: str, business: str
    ) -> dict[str, Any]:
        """登记即时制卡：自助机用的预制卡（AAZ500）绑定持卡人，业务类型 申领/补卡/换卡。"""
        body = {
            "AAC002": id_number,
            "AAC003": name,
            "AAE010": bank_account,
            "CHIPNO": chip_no,
            "YWLX": business,
        }
        return await self._call("POST", f"/api/card/{card_no}/bind", body)

    async def activate_card(self, card_no: str) -> dict[str, Any]:
        """激活即时制作的卡（待激活 → 正常）。"""
        return await self._call("POST", f"/api/card/{card_no}/activate")

    async def invalidate_card(self, card_no: str, reason: str) -> dict[str, Any]:
        """注销被补换的原卡（原因 补卡/换卡）。"""
        return await self._call("POST", f"/api/card/{card_no}/invalidate", {"REASON": reason})
