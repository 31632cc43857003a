"""业务流程声明（流程驱动的前台，seed 1.1）：每项业务的步骤、状态与允许的状态转换，全部是数据。

States are Chinese labels; `TRANSITIONS[business][state]` maps an action to the next state and who may
take it (`resident`, `front` 前台受理, `back` 后台审核, `system` 省卡管回执). A state with no
outgoing action is final and closes the application (its person may apply again).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.base.errors import conflict


@dataclass(frozen=True)
class Step:
    action: str
    target: str
    by: str
    label: str


_REVIEWED = {
    "待受理": (
        Step("accept", "待审核", "front", "前台受理"),
        Step("reject", "已退回", "front", "前台退回"),
        Step("withdraw", "已撤回", "resident", "本人撤回"),
    ),
    "待审核": (
        Step("approve", "已提交省卡管", "back", "后台审核通过"),
        Step("reject", "已退回", "back", "后台审核退回"),
    ),
    "已提交省卡管": (
        Step("made", "制卡中", "system", "省卡管受理制卡"),
        Step("refused", "已退回", "system", "省卡管不予受理"),
    ),
    "制卡中": (Step("ready", "待领卡", "system", "卡已制成，送达领卡网点"),),
    "待领卡": (Step("collect", "已办结", "front", "已领卡"),),
}
_INSTANT = {
    "待提交省卡管": (
        Step("done", "已办结", "system", "省卡管已办理"),
        Step("refused", "已退回", "system", "省卡管不予办理"),
    )
}

FLOWS: dict[str, dict[str, tuple[Step, ...]]] = {
    "申领": _REVIEWED,
    "补卡": _REVIEWED,
    "换卡": _REVIEWED,
    "临时挂失": _INSTANT,
    "解挂": _INSTANT,
}
START: dict[str, str] = {
    "申领": "待受理",
    "补卡": "待受理",
    "换卡": "待受理",
    "临时挂失": "待提交省卡管",
    "解挂": "待提交省卡管",
}
ROLES = {"front": "前台受理", "back": "后台审核", "resident": "本人", "system": "系统"}


def is_final(business: str, state: str) -> bool:
    return not FLOWS[business].get(state)


def step(business: str, state: str, action: str, by: str) -> Step:
    """The declared step, or 409 `TRANSITION_NOT_ALLOWED` naming what is allowed from `state`."""
    allowed = FLOWS[business].get(state, ())
    for candidate in allowed:
        if candidate.action == action and candidate.by == by:
            return candidate
    raise conflict(
        "TRANSITION_NOT_ALLOWED",
        f"{business}业务当前状态为“{state}”，{ROLES.get(by, by)}不能执行该操作",
        {"state": state, "allowed": [s.action for s in allowed if s.by == by]},
    )


def describe() -> dict[str, object]:
    """The flows as JSON (for the staff and channel front ends)."""
    return {
        business: {
            "start": START[business],
            "states": {s: [vars(x) for x in steps] for s, steps in flow.items()},
        }
        for business, flow in FLOWS.items()
    }
