"""资格检查：依据省卡管系统的个人卡信息与证件规则，拒绝时给出原因（409/422，code 可供程序判断）。"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.base.errors import conflict, invalid
from services.channels.province import CardSystemError, ChannelCardSystem
from yikatong import ids

MINOR_AGE = 16
DOCUMENT_TYPES = (
    "居民身份证",
    "港澳居民居住证",
    "台湾居民居住证",
    "外国人永久居留身份证",
    "港澳居民来往内地通行证",
)


def age(id_number: str, today: date | None = None) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    today = today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_guardian(id_number: str, form: dict[str, Any]) -> None:
    """A minor (< 16) needs a guardian: type, number (checked when a 居民身份证) and name."""
    if age(id_number) >= MINOR_AGE:
        return
    kind, number, name = (form.get(k) for k in ("guardian_id_type", "guardian_id_number", "guardian_name"))
    if not (kind and number and name):
        raise invalid("GUARDIAN_REQUIRED", "未满 16 周岁的申请人须填写监护人证件类型、证件号码和姓名")
    if kind == "居民身份证" and not ids.is_valid_id(str(number).upper()):
        raise invalid(
            "GUARDIAN_ID_INVALID",
            "监护人公民身份号码校验不通过",
            {"reason": ids.check_id(str(number)).reason},
        )
    if str(number).upper() == id_number:
        raise invalid("GUARDIAN_IS_APPLICANT", "监护人不能是申请人本人")


async def person_cards(cs: ChannelCardSystem, id_number: str) -> list[dict[str, Any]]:
    try:
        return await cs.cards(id_number)
    except CardSystemError as exc:
        if exc.code == "1001":
            return []
        raise conflict("CARD_SYSTEM_UNAVAILABLE", f"省卡管系统暂不可用：{exc.message}") from None


def _with_status(cards: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [c for c in cards if c.get("AAZ502MC") in names]


def check_business(business: str, cards: list[dict[str, Any]], card_no: str | None) -> dict[str, Any] | None:
    """The card the business acts on (or None for 申领); refuses with the reason otherwise."""
    usable = _with_status(cards, "正常", "临时挂失", "待激活")
    if business == "申领":
        if usable:
            raise conflict(
                "ALREADY_HAS_CARD", "已有有效社会保障卡，不能重复申领", {"card_no": usable[0]["AAZ500"]}
            )
        return None
    wanted = {
        "补卡": ("临时挂失", "正式挂失"),
        "换卡": ("正常",),
        "临时挂失": ("正常",),
        "解挂": ("临时挂失",),
    }[business]
    matching = [c for c in _with_status(cards, *wanted) if card_no in (None, c["AAZ500"])]
    if not matching:
        reasons = {
            "补卡": "原卡未挂失或无社会保障卡，请先办理挂失",
            "换卡": "无状态正常的社会保障卡",
            "临时挂失": "无状态正常的社会保障卡",
            "解挂": "该卡不处于临时挂失状态",
        }
        raise conflict(
            "NOT_ELIGIBLE",
            f"不符合{business}条件：{reasons[business]}",
            {"cards": [{"card_no": c["AAZ500"], "status": c.get("AAZ502MC")} for c in cards]},
        )
    return matching[0]
