"""智能表单预填：把持卡库、全民参保库与省卡管已知的信息带入申请表（`GET /api/v1/channels/prefill`）。

The resident sees their own address and postcode in full (they are about to confirm or correct it),
the phone on file masked (left empty in the form, the application uses the one on file), their
enrolments (险种, 状态, 参保地), their cards from the card system (the authority on card states) and,
for a minor, the guardian on file (masked). `suggested` names the business that fits the cards.
A source that does not answer is listed in `unavailable`; the rest still prefill.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.base.errors import COMMON_RESPONSES, ApiError
from services.channels import eligibility, registries
from services.channels.province import ChannelCardSystem
from services.channels.residents import CurrentResident
from yikatong import pii

router = APIRouter(prefix="/api/v1/channels", tags=["渠道与线上业务"], responses=COMMON_RESPONSES)


class EnrolmentOut(BaseModel):
    scheme: str
    state: str
    region_code: str | None
    since: str | None


class CardOut(BaseModel):
    card_no: str
    status: str | None


class GuardianOut(BaseModel):
    id_type: str | None
    id_masked: str | None
    name_masked: str | None


class PrefillOut(BaseModel):
    """预填结果：地址、邮编、电话掩码、参保信息、已有的卡、监护人，以及建议办理的业务。"""

    name_masked: str
    address: str | None
    postcode: str | None
    phone_masked: str | None = Field(description="登记的手机号（掩码）；表单留空即使用登记的号码")
    insured: bool = Field(description="在全民参保库有登记")
    enrolled: bool = Field(description="至少一个险种处于参保缴费或享受待遇")
    enrolments: list[EnrolmentOut]
    cards: list[CardOut]
    minor: bool
    guardian: GuardianOut | None
    suggested: str | None = Field(description="按卡状态建议的业务：申领 / 换卡 / 补卡 / 解挂")
    unavailable: list[str] = Field(description="暂不可用的数据来源")


def suggest(cards: list[CardOut]) -> str | None:
    states = {c.status for c in cards}
    if not states & {"正常", "临时挂失", "正式挂失", "待激活"}:
        return "申领"
    if "临时挂失" in states:
        return "解挂"
    if "正式挂失" in states:
        return "补卡"
    return "换卡" if "正常" in states else None


async def _province_cards(id_number: str, unavailable: list[str]) -> list[CardOut]:
    try:
        async with ChannelCardSystem() as cs:
            cards = await eligibility.person_cards(cs, id_number)
    except ApiError:
        unavailable.append("省卡管系统")
        return []
    return [CardOut(card_no=c["AAZ500"], status=c.get("AAZ502MC")) for c in cards]


@router.get("/prefill", response_model=PrefillOut, summary="智能表单预填")
async def prefill(resident: CurrentResident) -> PrefillOut:
    """持卡库与全民参保库已登记的地址、电话（掩码）、参保信息，省卡管中的卡与监护人。"""
    unavailable: list[str] = []
    try:
        person = await registries.insured(resident.id_number)
    except registries.Unavailable:
        person, unavailable = None, [*unavailable, "全民参保库"]
    try:
        holder = await registries.holder(resident.id_number)
    except registries.Unavailable:
        holder, unavailable = None, [*unavailable, "持卡库"]
    cards = await _province_cards(resident.id_number, unavailable)
    first = lambda *values: next((v for v in values if v), None)  # noqa: E731
    address = first(holder and holder.address, person and person.address)
    phone = first(holder and holder.phone, person and person.phone)
    minor = resident.age < eligibility.MINOR_AGE
    guardian = None
    if minor and holder is not None and holder.guardian_id_number:
        guardian = GuardianOut(
            id_type=holder.guardian_id_type,
            id_masked=pii.mask(holder.guardian_id_number, "id_number"),
            name_masked=pii.mask(holder.guardian_name, "name"),
        )
    return PrefillOut(
        name_masked=pii.mask(resident.name, "name"),
        address=address,
        postcode=first(holder and holder.postcode, person and person.postcode),
        phone_masked=pii.mask(phone, "phone") if phone else None,
        insured=person is not None,
        enrolled=bool(person and person.enrolled),
        enrolments=[
            EnrolmentOut(scheme=e.scheme, state=e.state, region_code=e.region_code, since=e.since)
            for e in (person.enrolments if person else [])
        ],
        cards=cards,
        minor=minor,
        guardian=guardian,
        suggested=suggest(cards) if "省卡管系统" not in unavailable else None,
        unavailable=unavailable,
    )
