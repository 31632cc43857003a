"""即时制卡在省卡管的三步：预制卡登记到持卡人、激活新卡、注销被补换的原卡（经 `CardSystemClient`）。

Called by `instant.issue` after the blank card is taken and the issuance row is written but before
the caller commits: a refusal (or the province being unreachable) raises, the transaction is rolled
back, and nothing stays written locally. The new card is activated before the old one is cancelled,
so a failure in between never leaves the holder without a valid card.
"""

from __future__ import annotations

from services.base.errors import ApiError
from services.cards.card_system_client import CardSystemClient, CardSystemError
from services.cards.instant_schemas import InstantIn


async def register(body: InstantIn, old_card: str | None) -> None:
    """Bind, activate, and (补卡/换卡) invalidate the old card at the province; 409/503 when it refuses."""
    card, reader = body.blank_card, body.id_reader
    try:
        async with CardSystemClient() as cs:
            await cs.bind_instant_card(
                card.card_no, reader.id_number, reader.name, card.bank_account, card.chip_no, body.issue_type
            )
            await cs.activate_card(card.card_no)
            if old_card is not None:
                await cs.invalidate_card(old_card, body.issue_type)
    except CardSystemError as exc:
        if exc.transient:
            raise ApiError(503, "CARD_SYSTEM_UNAVAILABLE", f"省卡管系统暂不可用：{exc.message}") from None
        detail = {"province_code": exc.code}
        raise ApiError(409, "CARD_SYSTEM_REFUSED", f"省卡管系统拒绝即时制卡：{exc.message}", detail) from None
