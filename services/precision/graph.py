"""持卡人跟踪：一人的状态关系网（人 ↔ 卡 ↔ 申请 ↔ 问题 ↔ 待遇 ↔ 服务待办）。

Nodes and edges from the analytics copies (cards: the current version of each card; applications;
benefit payments, newest 24) and the precision service's own task list (``ops``). Problems are
derived per card as of the business date, with the rules the 问题卡 mart uses: 制卡未领>30天,
已过期, 挂失未补. Tokens, masks and codes only.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.precision.models import StrategyTarget
from services.precision.strategies import day
from services.trajectories.people import Person

UNCOLLECTED_DAYS = 30
_CARDS = sa.text(
    "select card_no, status, issued_on, expires_on, card_gen, region_code, application_id "
    "from public.raw_card where id_token = :token and is_current order by issued_on, card_no"
)
_APPLICATIONS = sa.text(
    "select application_id, business_type, channel, review_state, current_stage, card_no, "
    "pickup_outlet_code, "
    f"{day('applied_at')} as applied_on, {day('province_made_at')} as made_on, "
    f"{day('picked_up_at')} as picked_up_on from public.raw_card_application where id_token = :token "
    "order by applied_at, application_id"
)
_BENEFITS = sa.text(
    "select payment_id, insurance_type, benefit_type, period, amount, paid_on, bank_account_masked "
    "from public.raw_benefit_payment where id_token = :token order by paid_on desc, payment_id limit 24"
)


def node(kind: str, key: str, label: str, **attributes: Any) -> dict[str, Any]:
    return {"id": f"{kind}:{key}", "type": kind, "label": label, "attributes": attributes}


def edge(source: str, target: str, relation: str) -> dict[str, str]:
    return {"source": source, "target": target, "relation": relation}


def problems(cards: list[dict], applications: list[dict], as_of: date) -> list[tuple[str, str]]:
    """(card_no, problem) for this person's cards as of ``as_of``."""
    found = []
    for a in applications:
        made, picked = a["made_on"], a["picked_up_on"]
        if (
            a["card_no"]
            and made
            and made < as_of - timedelta(days=UNCOLLECTED_DAYS)
            and not (picked and picked <= as_of)
        ):
            found.append((a["card_no"], "制卡未领>30天"))
    for c in cards:
        if c["status"] != "注销" and c["expires_on"] and c["expires_on"] < as_of:
            found.append((c["card_no"], "已过期"))
        if c["status"] in ("正式挂失", "临时挂失") and not any(
            o["card_no"] != c["card_no"]
            and o["status"] in ("正常", "待激活")
            and o["issued_on"] >= c["issued_on"]
            for o in cards
        ):
            found.append((c["card_no"], "挂失未补"))
    return found


async def _rows(conn: AsyncConnection, query: sa.TextClause, token: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in (await conn.execute(query, {"token": token})).all()]


async def network(
    session: AsyncSession, conn: AsyncConnection, person: Person, as_of: date
) -> dict[str, Any]:
    """The relationship network of ``person`` as of ``as_of``: ``{person, nodes, edges}``."""
    cards, applications = (
        await _rows(conn, _CARDS, person.token),
        await _rows(conn, _APPLICATIONS, person.token),
    )
    benefits = await _rows(conn, _BENEFITS, person.token)
    tasks = (
        (
            await session.execute(
                sa.select(StrategyTarget)
                .where(StrategyTarget.person_token == person.token)
                .order_by(StrategyTarget.as_of_date.desc(), StrategyTarget.strategy_id)
                .limit(50)
            )
        )
        .scalars()
        .all()
    )
    me = node("person", person.token, person.name_masked or person.id_masked or "持卡人", **person.public())
    nodes, edges = [me], []
    for c in cards:
        nodes.append(node("card", c["card_no"], f"社保卡 {c['card_no']}", **c))
        edges.append(edge(me["id"], f"card:{c['card_no']}", "持有"))
    card_ids = {c["card_no"] for c in cards}
    for a in applications:
        nodes.append(node("application", a["application_id"], f"{a['business_type']}申请", **a))
        edges.append(edge(me["id"], f"application:{a['application_id']}", "申请"))
        if a["card_no"] in card_ids:
            edges.append(edge(f"application:{a['application_id']}", f"card:{a['card_no']}", "制卡"))
    for card_no, problem in problems(cards, applications, as_of):
        key = f"{card_no}:{problem}"
        nodes.append(node("issue", key, problem, card_no=card_no, as_of=as_of))
        edges.append(edge(f"card:{card_no}" if card_no in card_ids else me["id"], f"issue:{key}", "问题"))
    for b in benefits:
        nodes.append(node("benefit", b["payment_id"], f"{b['benefit_type']} {b['period']}", **b))
        edges.append(edge(me["id"], f"benefit:{b['payment_id']}", "领取"))
    for t in tasks:
        nodes.append(
            node(
                "task",
                str(t.target_id),
                f"服务待办：{t.strategy_id}",
                strategy_id=t.strategy_id,
                as_of_date=t.as_of_date,
                outcome=t.outcome,
                acted_on=t.acted_on,
                subject=t.subject,
            )
        )
        edges.append(edge(me["id"], f"task:{t.target_id}", "服务"))
        if t.subject in card_ids:
            edges.append(edge(f"task:{t.target_id}", f"card:{t.subject}", "关于"))
    return {"person": person.public(), "as_of": as_of, "nodes": nodes, "edges": edges}
