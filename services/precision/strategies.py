"""服务策略（声明式）：编号、中文名、目标条件（分析库上的 SQL）、消息模板、成效规则（N 天内是否办理）。

Every rule reads the ``analytics`` tables the pipeline loads (``raw_card_application``, ``raw_card``,
``raw_benefit_payment``; tokens and masks only) as of a business date ``:as_of`` (Beijing business
day; ``:as_of_end`` is the end of that day as a timestamp). A target query returns one row per person:
``person_token``, ``subject`` (the card or benefit concerned) and ``basis_on`` (the date the rule
looked at). An outcome query returns, for the tokens ``:tokens``, the first date in ``(:start, :end]``
on which the person did what the reminder asked (``person_token``, ``acted_on``).

Adding a strategy = adding a :class:`Strategy` to :data:`STRATEGIES`; the runner, outcomes, the
dashboard and the tests pick it up by its ID.
"""

from __future__ import annotations

from dataclasses import dataclass

BUSINESS_DAY = "(({col}) at time zone 'Asia/Shanghai')::date"
PENSION_TYPES = ("110", "120", "170")  # 企业职工 / 机关事业 / 城乡居民 养老


def day(column: str) -> str:
    """SQL: the Beijing business date of a timestamptz column."""
    return BUSINESS_DAY.format(col=column)


# a card version in force at the end of the business day
ACTIVE_CARD = (
    "c.status = '正常' and c.valid_from < :as_of_end and (c.valid_to is null or c.valid_to >= :as_of_end)"
)


@dataclass(frozen=True)
class Strategy:
    """一条服务策略。"""

    strategy_id: str
    name: str
    description: str
    targets_sql: str
    message: str  # str.format with subject, basis_on, name_masked
    outcome_name: str  # what counts as acting on it (领卡 / 申领 / 换卡)
    outcome_sql: str
    outcome_days: int
    topic: str = "服务提醒"


CARD_UNCOLLECTED = Strategy(
    "card_uncollected_30d",
    "制卡超30天未领卡提醒",
    "省级制卡完成超过 30 天、截至业务日期仍未领卡的持卡人，提醒到网点领卡。",
    f"""
    select distinct on (a.id_token)
        a.id_token as person_token, a.card_no as subject, {day("a.province_made_at")} as basis_on
    from public.raw_card_application as a
    where a.id_token is not null
        and a.province_made_at is not null
        and {day("a.province_made_at")} < cast(:as_of as date) - 30
        and (a.picked_up_at is null or {day("a.picked_up_at")} > cast(:as_of as date))
    order by a.id_token, a.province_made_at, a.application_id
    """,
    "{name_masked}您好：您的社会保障卡（卡号 {subject}）已于 {basis_on} 制作完成，至今尚未领取，"
    "请携带本人身份证件到申领网点或自助制发卡一体机领取。",
    "领卡",
    f"""
    select a.id_token as person_token, min({day("a.picked_up_at")}) as acted_on
    from public.raw_card_application as a
    where a.id_token = any(:tokens) and a.picked_up_at is not null
        and {day("a.picked_up_at")} > cast(:start as date) and {day("a.picked_up_at")} <= cast(:end as date)
    group by a.id_token
    """,
    15,
)

PENSION_OUTREACH = Strategy(
    "pension_without_active_card",
    "养老待遇领取人无正常卡外呼",
    "近 90 天领取过养老待遇、截至业务日期名下没有正常状态社会保障卡的人员，主动联系办卡。",
    f"""
    select b.id_token as person_token, max(b.benefit_type) as subject, max(b.paid_on) as basis_on
    from public.raw_benefit_payment as b
    where b.id_token is not null
        and b.insurance_type in {PENSION_TYPES}
        and b.paid_on <= cast(:as_of as date) and b.paid_on > cast(:as_of as date) - 90
        and not exists (
            select 1 from public.raw_card as c where c.id_token = b.id_token and {ACTIVE_CARD}
        )
    group by b.id_token
    """,
    "{name_masked}您好：您正在领取{subject}，名下暂无可正常使用的社会保障卡，"
    "为保障待遇按时发放，请通过智乐山、天府通办或到就近网点申领（补换）社会保障卡。",
    "申领",
    f"""
    select person_token, min(acted_on) as acted_on from (
        select a.id_token as person_token, {day("a.applied_at")} as acted_on
        from public.raw_card_application as a where a.id_token = any(:tokens)
        union all
        select c.id_token, {day("c.valid_from")} from public.raw_card as c
        where c.id_token = any(:tokens) and c.status = '正常'
    ) as acts
    where acted_on > cast(:start as date) and acted_on <= cast(:end as date)
    group by person_token
    """,
    30,
)

CARD_EXPIRING = Strategy(
    "card_expiring_90d",
    "卡片90天内到期换卡提醒",
    "名下正常状态的社会保障卡在业务日期起 90 天内到期的持卡人，提醒换卡。",
    f"""
    select c.id_token as person_token,
        (array_agg(c.card_no order by c.expires_on desc, c.card_no))[1] as subject,
        max(c.expires_on) as basis_on
    from public.raw_card as c
    where c.id_token is not null and {ACTIVE_CARD}
    group by c.id_token
    having max(c.expires_on) >= cast(:as_of as date) and max(c.expires_on) <= cast(:as_of as date) + 90
    """,
    "{name_masked}您好：您的社会保障卡（卡号 {subject}）将于 {basis_on} 到期，"
    "请及时通过线上渠道或到网点办理换卡，以免影响就医结算与待遇领取。",
    "换卡",
    """
    select person_token, min(acted_on) as acted_on from (
        select a.id_token as person_token, {applied} as acted_on
        from public.raw_card_application as a where a.id_token = any(:tokens) and a.business_type = '换卡'
        union all
        select c.id_token, c.issued_on from public.raw_card as c
        where c.id_token = any(:tokens)
    ) as acts
    where acted_on > cast(:start as date) and acted_on <= cast(:end as date)
    group by person_token
    """.replace("{applied}", day("a.applied_at")),
    60,
)

STRATEGIES: dict[str, Strategy] = {
    s.strategy_id: s for s in (CARD_UNCOLLECTED, PENSION_OUTREACH, CARD_EXPIRING)
}
