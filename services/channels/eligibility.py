"""资格检查：依据省卡管系统的个人卡信息与证件规则，拒绝时给出原因（409/422，code 可供程序判断）。"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.base.errors import ApiError, conflict, invalid
from services.channels import documents, registries
from services.channels.province import CardSystemError, ChannelCardSystem
from services.channels.residents import Resident

MINOR_AGE = 16
DOCUMENT_TYPES = tuple(documents.CODES)


def age(id_number: str, today: date | None = None) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return documents.age(born, today)


def check_document(resident: Resident, form: dict[str, Any]) -> None:
    """The form's document type, when given, is the one the channel verified."""
    given = form.get("document_type")
    if given and documents.name_of(given) != resident.document_type:
        raise invalid(
            "DOCUMENT_MISMATCH",
            f"证件类型应为实名认证时的{resident.document_type}",
            {"verified": resident.document_type},
        )


def check_guardian(resident: Resident, form: dict[str, Any]) -> None:
    """A minor (< 16) needs a guardian: type, number (checked by its type's rule) and name."""
    if resident.age >= MINOR_AGE:
        return
    kind, number, name = (form.get(k) for k in ("guardian_id_type", "guardian_id_number", "guardian_name"))
    if not (kind and number and name):
        raise invalid("GUARDIAN_REQUIRED", "未满 16 周岁的申请人须填写监护人证件类型、证件号码和姓名")
    verdict = documents.check(kind, number)
    if not verdict.valid:
        raise invalid(
            "GUARDIAN_ID_INVALID",
            f"监护人{documents.name_of(kind)}号码校验不通过",
            {"reason": verdict.reason},
        )
    if verdict.number == resident.id_number:
        raise invalid("GUARDIAN_IS_APPLICANT", "监护人不能是申请人本人")
    if verdict.birth_date is not None and documents.age(verdict.birth_date) < 18:
        raise invalid("GUARDIAN_NOT_ADULT", "监护人须已满 18 周岁")


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


CARD_MAKING = ("申领", "补卡", "换卡")


async def check_insured(business: str, id_number: str) -> registries.Insured | None:
    """申领/补卡/换卡 need a current enrolment in some scheme of the 全民参保库 (参保缴费 or 享受待遇)."""
    if business not in CARD_MAKING:
        return None
    try:
        person = await registries.insured(id_number)
    except registries.Unavailable:
        raise ApiError(503, "INSURANCE_UNAVAILABLE", "全民参保库暂不可用，请稍后再试") from None
    if person is None:
        raise conflict(
            "NOT_INSURED", "未在全民参保库登记参保，请先到参保地经办机构办理参保登记后再申请社会保障卡"
        )
    if not person.enrolled:
        raise conflict(
            "INSURANCE_NOT_ACTIVE",
            "各险种参保状态均为暂停缴费或终止参保，请先恢复参保后再申请",
            {"enrolments": [{"scheme": e.scheme, "state": e.state} for e in person.enrolments]},
        )
    return person
