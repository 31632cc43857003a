"""省卡管系统 business rules over its database (`src_card_system`), in SQLAlchemy Core.

The HTTP layer (`simulators.card_system_api`) only parses and wraps; every rule the provincial
system enforces lives here: who may apply (申领 / 补卡 / 换卡), which status changes are allowed
(挂失 / 解挂), when a 回盘 may be retried. Every change stamps AAE036 (经办时间) with the system's
clock (北京时间, second precision, like the rest of the database) so incremental extraction sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from simulators.sources.card_system import STATUS_CODES


def _table(name: str, columns: str) -> sa.TableClause:
    """A lightweight table clause (names only); the DDL belongs to simulators.sources.card_system."""
    return sa.table(name, *(sa.column(c) for c in columns.split()))


KGL_CARD = _table(
    "kgl_card",
    "aaz500 aac002 aac058 aac003 aac004 aab301 aaz502 fkrq yxqz aae008 aae010 chipno cardgen sqid aae036",
)
KGL_APPLY = _table(
    "kgl_apply",
    "sqid aac002 aac058 aac003 aab301 ywlx sqqd applytime shzt shsj shyj aae008 banktime provincetime "
    "batchno zxwz aaz500 citytime citysendtime lkwdbm citysendaddr gettime aae036",
)
KGL_BATCH = _table("kgl_batch", "batchno aae008 zksl zksj jssj aae036")
KGL_WRITEBACK = _table("kgl_writeback", "hpid aaz500 aae010 chipno hpjg cwxx cscs hpsj aae036")
KGL_CODE = _table("kgl_code", "codetype code codename")

CODE = dict(STATUS_CODES)  # 卡状态名称 → AAZ502
YWLX = {"申领": "1", "补卡": "2", "换卡": "3"}
# Status operations (挂失/解挂): allowed source statuses and the resulting status.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "临时挂失": (("正常",), "临时挂失"),
    "解挂": (("临时挂失",), "正常"),
    "正式挂失": (("正常", "临时挂失"), "正式挂失"),
}
# A card that still serves its holder: a new 申领 is refused while one exists.
ACTIVE = ("正常", "临时挂失", "待激活")
LOST = ("临时挂失", "正式挂失")
WRITEBACK_MISMATCH = "银行账户信息不一致"


class Refusal(Exception):
    """A business refusal: the provincial error code, a Chinese message and an HTTP status."""

    def __init__(self, code: str, message: str, http_status: int = 409) -> None:
        super().__init__(message)
        self.code, self.message, self.http_status = code, message, http_status


@dataclass(frozen=True, slots=True)
class ApplyRequest:
    aac002: str
    aac003: str
    ywlx: str  # code 1/2/3
    sqqd: str  # channel code 01..05
    photo: str
    aac058: str = "01"
    aab301: str | None = None
    aae008: str | None = None
    lkwdbm: str | None = None


def codes(conn: sa.Connection, codetype: str) -> dict[str, str]:
    rows = conn.execute(
        sa.select(KGL_CODE.c.code, KGL_CODE.c.codename).where(KGL_CODE.c.codetype == codetype)
    )
    return dict(rows.tuples().all())


def cards_of(conn: sa.Connection, aac002: str, current_only: bool = True) -> list[dict[str, Any]]:
    """The person's cards, newest first; `current_only` leaves out cancelled (注销) cards."""
    query = sa.select(KGL_CARD).where(KGL_CARD.c.aac002 == aac002)
    if current_only:
        query = query.where(KGL_CARD.c.aaz502 != CODE["注销"])
    return [
        dict(r)
        for r in conn.execute(query.order_by(KGL_CARD.c.fkrq.desc(), KGL_CARD.c.aaz500.desc())).mappings()
    ]


def known_person(conn: sa.Connection, aac002: str) -> bool:
    """Whether the card system has ever seen this 社会保障号码 (a card or an application)."""
    in_cards = sa.select(KGL_CARD.c.aaz500).where(KGL_CARD.c.aac002 == aac002).limit(1)
    in_apps = sa.select(KGL_APPLY.c.sqid).where(KGL_APPLY.c.aac002 == aac002).limit(1)
    return conn.execute(in_cards).first() is not None or conn.execute(in_apps).first() is not None


def latest_application(conn: sa.Connection, aac002: str) -> dict[str, Any] | None:
    query = (
        sa.select(KGL_APPLY)
        .where(KGL_APPLY.c.aac002 == aac002)
        .order_by(KGL_APPLY.c.applytime.desc(), KGL_APPLY.c.sqid.desc())
        .limit(1)
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def batch(conn: sa.Connection, batchno: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The batch row and its cards in box order (制卡数据: who, which card, where in the box)."""
    head = conn.execute(sa.select(KGL_BATCH).where(KGL_BATCH.c.batchno == batchno)).mappings().first()
    if head is None:
        return None
    cards = conn.execute(
        sa.select(
            KGL_APPLY.c.aaz500,
            KGL_APPLY.c.aac002,
            KGL_APPLY.c.aac003,
            KGL_APPLY.c.zxwz,
            KGL_APPLY.c.lkwdbm,
            KGL_APPLY.c.citysendaddr,
        )
        .where(KGL_APPLY.c.batchno == batchno, KGL_APPLY.c.aaz500.is_not(None))
        .order_by(KGL_APPLY.c.zxwz, KGL_APPLY.c.aaz500)
    ).mappings()
    return dict(head), [dict(c) for c in cards]


def _pending(conn: sa.Connection, aac002: str) -> str | None:
    """An application still in progress: not yet reviewed, or approved and the card not made yet."""
    query = sa.select(KGL_APPLY.c.sqid).where(
        KGL_APPLY.c.aac002 == aac002,
        sa.or_(KGL_APPLY.c.shzt == "0", sa.and_(KGL_APPLY.c.shzt == "1", KGL_APPLY.c.provincetime.is_(None))),
    )
    return conn.execute(query.limit(1)).scalar()


def check_apply(conn: sa.Connection, req: ApplyRequest) -> list[dict[str, Any]]:
    """Refuse an application that the provincial rules don't allow; returns the person's cards."""
    cards = cards_of(conn, req.aac002)
    if cards and cards[0]["aac003"] != req.aac003:
        raise Refusal("1004", "姓名与社会保障号码不符", 422)
    pending = _pending(conn, req.aac002)
    if pending:
        raise Refusal("2003", f"存在未办结的申领（{pending}），不能重复申请")
    status = {_status_name(c["aaz502"]) for c in cards}
    if req.ywlx == YWLX["申领"] and status & set(ACTIVE):
        raise Refusal("2002", "已有有效社会保障卡，不能重复申领")
    if req.ywlx == YWLX["补卡"] and not status & set(LOST):
        reason = "原卡状态正常，请先办理挂失" if status else "无社会保障卡，不能补卡"
        raise Refusal("2001", f"不符合补卡条件：{reason}")
    if req.ywlx == YWLX["换卡"] and "正常" not in status:
        raise Refusal("2004", "不符合换卡条件：无状态正常的社会保障卡")
    return cards


def create_application(conn: sa.Connection, req: ApplyRequest, now: datetime) -> dict[str, Any]:
    """Insert the kgl_apply row (SHZT 0 待审核) with the next SQID of the day; checks first."""
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('kgl_apply.sqid'))"))  # one SQID sequence
    cards = check_apply(conn, req)
    prefix = f"SQ{now:%Y%m%d}"
    last = conn.execute(
        sa.select(sa.func.max(KGL_APPLY.c.sqid)).where(KGL_APPLY.c.sqid.like(prefix + "%"))
    ).scalar()
    sqid = f"{prefix}{int(last[-6:]) + 1 if last else 1:06d}"
    row = {
        "sqid": sqid, "aac002": req.aac002, "aac058": req.aac058, "aac003": req.aac003,
        "aab301": req.aab301 or (cards[0]["aab301"] if cards else _county_of(req.aac002)),
        "ywlx": req.ywlx, "sqqd": req.sqqd, "applytime": now, "shzt": "0",
        "aae008": req.aae008 or (cards[0]["aae008"] if cards else "103"), "lkwdbm": req.lkwdbm, "aae036": now,
    }  # fmt: skip
    conn.execute(sa.insert(KGL_APPLY).values(**row))
    return row


def _county_of(aac002: str) -> str:
    from yikatong import regions

    return aac002[:6] if aac002[:6] in regions.COUNTIES else regions.CITY


def _status_name(code: str) -> str:
    return next(name for name, c in CODE.items() if c == code)


def change_status(conn: sa.Connection, aaz500: str, operation: str, now: datetime) -> dict[str, Any]:
    """挂失 / 解挂 with the allowed transitions only; the update is conditional, so it is atomic."""
    if operation not in TRANSITIONS:
        raise Refusal("1000", f"不支持的操作类型 {operation}，可选 {'/'.join(TRANSITIONS)}", 422)
    sources, target = TRANSITIONS[operation]
    updated = conn.execute(
        sa.update(KGL_CARD)
        .where(KGL_CARD.c.aaz500 == aaz500, KGL_CARD.c.aaz502.in_([CODE[s] for s in sources]))
        .values(aaz502=CODE[target], aae036=now)
        .returning(*KGL_CARD.c)
    ).mappings().first()  # fmt: skip
    if updated is not None:
        return dict(updated)
    current = conn.execute(sa.select(KGL_CARD.c.aaz502).where(KGL_CARD.c.aaz500 == aaz500)).scalar()
    if current is None:
        raise Refusal("1002", f"无此社会保障卡 {aaz500}", 404)
    raise Refusal("2005", f"卡状态为{_status_name(current)}，不允许{operation}")


def write_back(conn: sa.Connection, aaz500: str, aae010: str, chipno: str, now: datetime) -> dict[str, Any]:
    """Record one 回盘 attempt; fails when the bank account differs; no retry after a success."""
    card = conn.execute(
        sa.select(KGL_CARD.c.aae010).where(KGL_CARD.c.aaz500 == aaz500).with_for_update()
    ).first()  # fmt: skip
    if card is None:
        raise Refusal("1002", f"无此社会保障卡 {aaz500}", 404)
    attempts = conn.execute(
        sa.select(KGL_WRITEBACK.c.cscs, KGL_WRITEBACK.c.hpjg).where(KGL_WRITEBACK.c.aaz500 == aaz500)
    ).all()  # fmt: skip
    if any(result == "成功" for _, result in attempts):
        raise Refusal("4002", "该卡已回盘成功，只有失败的记录可以重试")
    attempt = max((int(n) for n, _ in attempts), default=0) + 1
    ok = card.aae010 == aae010
    row = {
        "hpid": f"{aaz500}-{attempt}", "aaz500": aaz500, "aae010": aae010, "chipno": chipno,
        "hpjg": "成功" if ok else "失败", "cwxx": None if ok else WRITEBACK_MISMATCH, "cscs": attempt,
        "hpsj": now, "aae036": now,
    }  # fmt: skip
    conn.execute(sa.insert(KGL_WRITEBACK).values(**row))
    return row
