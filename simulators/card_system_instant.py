"""省卡管系统（模拟）的即时制卡接口：自助机用预制卡即时制卡时，向省卡管登记、激活新卡并注销原卡。

A pre-made card (预制卡) is known to the province before it reaches a kiosk: its number, chip and
pre-opened bank account, status 待激活 and no holder. Instant issuance then, in this order:

- `POST /api/card/{AAZ500}/bind` 登记即时制卡: binds the pre-made card to the holder (AAC002, AAC003)
  under YWLX 申领/补卡/换卡 with the rules of `/api/apply`; the same holder again gets the bound card.
  Refusals: 1002 unknown card, 1004 name, 2001/2002/2004 business rules, 2006 not a usable pre-made
  card (bound to someone else, or chip/account differ from the pre-made card's).
- `POST /api/card/{AAZ500}/activate` 激活: 待激活 with a holder → 正常 (again: answered as is); 1002, 2005.
- `POST /api/card/{AAZ500}/invalidate` 注销原卡: a replaced card (正常/挂失) → 注销 with the reason
  补卡/换卡 (again: answered as is); 1002, 2005 for a 待激活 card.

Where the pre-made cards come from: `POST /api/premade` 预制卡下发 {AAB301, SL, AAE008?} makes SL
cards for a county (numbers `A` + 8 digits, a chip number and a pre-opened account at the service
bank, status 待激活, no holder) and answers them, as the province ships a box of pre-made cards to a
city; the kiosk fleet simulator asks for a few at a time for each kiosk's hopper.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field

from simulators import card_system_repo as repo
from simulators.wordlists import BANKS
from yikatong.ids import luhn_check_digit

REPLACED_BY = ("补卡", "换卡")
PREMADE_PREFIX = "A"  # the world's cards are B…, the kiosks' own numbers K…Z, the tests' T…


class BindBody(BaseModel):
    AAC002: str = Field(min_length=15, max_length=18)
    AAC003: str = Field(min_length=1, max_length=50)
    AAE010: str = Field(min_length=1, max_length=19, description="预制卡的银行账号")
    CHIPNO: str = Field(min_length=1, max_length=32)
    YWLX: str = Field(description="业务类型：申领/补卡/换卡")


class PremadeBody(BaseModel):
    AAB301: str = Field(pattern=r"^\d{6}$", description="领用地行政区划（县级）")
    SL: int = Field(ge=1, le=100, description="下发数量")
    AAE008: str = Field(default=BANKS[0][0], max_length=3, description="服务银行代码")


class InvalidateBody(BaseModel):
    REASON: str = Field(description="注销原因：补卡/换卡")


def _card(conn: sa.Connection, aaz500: str) -> dict[str, Any]:
    row = conn.execute(
        sa.select(repo.KGL_CARD).where(repo.KGL_CARD.c.aaz500 == aaz500).with_for_update()
    ).mappings().first()  # fmt: skip
    if row is None:
        raise repo.Refusal("1002", f"无此社会保障卡 {aaz500}", 404)
    return dict(row)


def bind(conn: sa.Connection, aaz500: str, body: BindBody, now: datetime) -> dict[str, Any]:
    """登记即时制卡：预制卡绑定持卡人（业务规则与申请相同），同一人重发时原样返回。"""
    if body.YWLX not in repo.YWLX:
        raise repo.Refusal("1000", f"参数错误：YWLX 取值 {body.YWLX} 无效，可选 申领/补卡/换卡", 422)
    card, aac002 = _card(conn, aaz500), body.AAC002.strip().upper()
    if card["aac002"] == aac002:
        return card
    if card["aac002"] or card["aaz502"] != repo.CODE["待激活"]:
        raise repo.Refusal("2006", f"卡 {aaz500} 不是可用的预制卡（已绑定或状态不符）")
    if (card["aae010"], card["chipno"]) != (body.AAE010, body.CHIPNO):
        raise repo.Refusal("2006", f"卡 {aaz500} 的芯片或银行账户与省卡管登记的预制卡不一致")
    request = repo.ApplyRequest(aac002=aac002, aac003=body.AAC003.strip(), ywlx=repo.YWLX[body.YWLX],
                                sqqd="02", photo="-")  # fmt: skip
    cards = _check(conn, request)
    values = {
        "aac002": aac002, "aac003": request.aac003, "aac058": "01", "aae036": now,
        "aab301": cards[0]["aab301"] if cards else aac002[:6], "fkrq": f"{now:%Y%m%d}",
        "yxqz": f"{now.year + 10}{now:%m%d}", "cardgen": "3",
    }  # fmt: skip
    updated = sa.update(repo.KGL_CARD).where(repo.KGL_CARD.c.aaz500 == aaz500).values(**values)
    return dict(conn.execute(updated.returning(*repo.KGL_CARD.c)).mappings().one())


def _check(conn: sa.Connection, request: repo.ApplyRequest) -> list[dict[str, Any]]:
    """The rules of an application, without the pending-application one (the kiosk is the application)."""
    cards = repo.cards_of(conn, request.aac002)
    if cards and cards[0]["aac003"] != request.aac003:
        raise repo.Refusal("1004", "姓名与社会保障号码不符", 422)
    status = {repo._status_name(c["aaz502"]) for c in cards}
    if request.ywlx == repo.YWLX["申领"] and status & set(repo.ACTIVE):
        raise repo.Refusal("2002", "已有有效社会保障卡，不能重复申领")
    if request.ywlx == repo.YWLX["补卡"] and not status & set(repo.LOST):
        raise repo.Refusal("2001", "不符合补卡条件：原卡未挂失")
    if request.ywlx == repo.YWLX["换卡"] and "正常" not in status:
        raise repo.Refusal("2004", "不符合换卡条件：无状态正常的社会保障卡")
    return cards


def make_premade(conn: sa.Connection, body: PremadeBody, now: datetime) -> list[dict[str, Any]]:
    """预制卡下发：SL 张待激活、未绑定持卡人的卡，卡号连续（并发下发由事务级锁串行）。"""
    bins = {code: prefix for code, _name, prefix in BANKS}
    if body.AAE008 not in bins:
        raise repo.Refusal("1000", f"参数错误：AAE008 取值 {body.AAE008} 无效", 422)
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('kgl_card_premade'))"))
    last = conn.execute(
        sa.select(sa.func.max(repo.KGL_CARD.c.aaz500)).where(
            repo.KGL_CARD.c.aaz500.like(f"{PREMADE_PREFIX}%")
        )
    ).scalar()
    first = int(last[1:]) + 1 if last else 1
    rows = []
    for serial in range(first, first + body.SL):
        account = f"{bins[body.AAE008]}{secrets.randbelow(10**12):012d}"
        rows.append({
            "aaz500": f"{PREMADE_PREFIX}{serial:08d}", "aab301": body.AAB301, "aaz502": repo.CODE["待激活"],
            "aae008": body.AAE008, "aae010": account + luhn_check_digit(account),
            "chipno": secrets.token_hex(8).upper(), "cardgen": "3", "aae036": now,
        })  # fmt: skip
    inserted = conn.execute(sa.insert(repo.KGL_CARD).values(rows).returning(*repo.KGL_CARD.c))
    return [dict(r) for r in inserted.mappings()]


def activate(conn: sa.Connection, aaz500: str, now: datetime) -> dict[str, Any]:
    """激活：已绑定持卡人的待激活卡 → 正常。"""
    card = _card(conn, aaz500)
    if card["aaz502"] == repo.CODE["正常"]:
        return card
    if card["aaz502"] != repo.CODE["待激活"] or not card["aac002"]:
        raise repo.Refusal("2005", f"卡状态为{repo._status_name(card['aaz502'])}或未绑定持卡人，不能激活")
    return _set(conn, aaz500, "正常", now)


def invalidate(conn: sa.Connection, aaz500: str, reason: str, now: datetime) -> dict[str, Any]:
    """注销被补换的原卡。"""
    if reason not in REPLACED_BY:
        raise repo.Refusal("1000", f"参数错误：REASON 取值 {reason} 无效，可选 补卡/换卡", 422)
    card = _card(conn, aaz500)
    if card["aaz502"] == repo.CODE["注销"]:
        return card
    if card["aaz502"] == repo.CODE["待激活"]:
        raise repo.Refusal("2005", "待激活的卡不能作为原卡注销")
    return _set(conn, aaz500, "注销", now)


def _set(conn: sa.Connection, aaz500: str, status: str, now: datetime) -> dict[str, Any]:
    stmt = sa.update(repo.KGL_CARD).where(repo.KGL_CARD.c.aaz500 == aaz500)
    stmt = stmt.values(aaz502=repo.CODE[status], aae036=now).returning(*repo.KGL_CARD.c)
    return dict(conn.execute(stmt).mappings().one())


def add_routes(
    app: FastAPI, engine: sa.Engine, authorised: Callable, clock: Callable[[], datetime], wrap: Callable
) -> None:
    """The three calls on `app` (`wrap` turns a kgl_card row into the answer's data)."""
    auth = [Depends(authorised)]

    @app.post("/api/card/{aaz500}/bind", dependencies=auth, summary="登记即时制卡（预制卡绑定持卡人）")
    def bind_route(aaz500: str, body: BindBody) -> dict[str, Any]:
        with engine.begin() as conn:
            return {"code": "0000", "message": "成功", "data": wrap(bind(conn, aaz500, body, clock()))}

    @app.post("/api/premade", dependencies=auth, status_code=201, summary="预制卡下发")
    def premade_route(body: PremadeBody) -> dict[str, Any]:
        with engine.begin() as conn:
            rows = make_premade(conn, body, clock())
        return {"code": "0000", "message": "成功", "data": [wrap(r) for r in rows]}

    @app.post("/api/card/{aaz500}/activate", dependencies=auth, summary="激活即时制卡")
    def activate_route(aaz500: str) -> dict[str, Any]:
        with engine.begin() as conn:
            return {"code": "0000", "message": "成功", "data": wrap(activate(conn, aaz500, clock()))}

    @app.post("/api/card/{aaz500}/invalidate", dependencies=auth, summary="注销被补换的原卡")
    def invalidate_route(aaz500: str, body: InvalidateBody) -> dict[str, Any]:
        with engine.begin() as conn:
            row = invalidate(conn, aaz500, body.REASON.strip(), clock())
        return {"code": "0000", "message": "成功", "data": wrap(row)}
