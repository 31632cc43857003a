"""设备部件（读卡器、身份证阅读器、摄像头、色带、凭条打印机、打印纸、网络）及其故障判定。

One vocabulary for heartbeats, self-checks and alarms. A component is fine when the device
reports it 正常 and, for consumables that report a level (色带, 打印纸), the level is at least
`LOW_LEVEL[component]` percent. The running state (运行情况) is 正常 only when every monitored
component is fine, otherwise 异常 with the faulty components named (seed §2.3.2).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.terminals.schemas import safe_text

# The seven components whose status decides the running state (seed §2.3.2, DOMAIN.md).
MONITORED: dict[str, str] = {
    "card_reader": "读卡器",
    "id_reader": "身份证阅读器",
    "camera": "摄像头",
    "ribbon": "色带",
    "receipt_printer": "凭条打印机",
    "paper": "打印纸",
    "network": "网络",
}
# Self-checks may also report these (a boot checks more than the heartbeat watches).
EXTRA: dict[str, str] = {
    "card_printer": "制卡模块",
    "touch_screen": "触摸屏",
    "pin_pad": "密码键盘",
    "storage": "存储",
}
LABELS: dict[str, str] = MONITORED | EXTRA
ComponentCode = Literal[
    "card_reader", "id_reader", "camera", "ribbon", "receipt_printer", "paper", "network",
    "card_printer", "touch_screen", "pin_pad", "storage",
]  # fmt: skip
PartResult = Literal["正常", "异常"]
LOW_LEVEL: dict[str, int] = {"ribbon": 10, "paper": 5}
# What a part's numeric `value` measures (heartbeats and self-checks); the failure model reads it.
VALUE_MEANING: dict[str, str] = {
    "card_reader": "读卡重试次数",
    "id_reader": "身份证读取超时次数",
    "camera": "图像清晰度下降 %",
    "ribbon": "色带余量 %",
    "receipt_printer": "凭条卡纸次数",
    "paper": "打印纸余量 %",
    "network": "丢包率 %",
    "card_printer": "制卡模块温度 ℃",
    "touch_screen": "触摸失灵次数",
    "pin_pad": "按键失灵次数",
    "storage": "存储已用 %",
}
VALUE_MIN, VALUE_MAX = -50.0, 100_000.0  # beyond: a broken sensor or a broken client, refused
# 严重: the kiosk cannot serve at all; 一般: some services stop; 提示: degraded.
SEVERITY: dict[str, str] = {
    "offline": "严重",
    "card_reader": "严重",
    "id_reader": "严重",
    "network": "严重",
    "camera": "一般",
    "ribbon": "一般",
    "receipt_printer": "一般",
    "paper": "提示",
}
OFFLINE = "offline"
ALARM_LABELS: dict[str, str] = MONITORED | {OFFLINE: "设备离线"}


class PartStatus(BaseModel):
    """一个部件的状态。"""

    model_config = ConfigDict(extra="forbid")

    status: PartResult = Field(description="正常 / 异常")
    level: int | None = Field(None, ge=0, le=100, description="余量百分比（色带、打印纸），其他部件不填")
    value: float | None = Field(
        None, ge=VALUE_MIN, le=VALUE_MAX, allow_inf_nan=False,
        description="部件的数值读数：读卡重试次数、丢包率 %、色带 / 打印纸余量 % 等（见 VALUE_MEANING）",
    )  # fmt: skip
    code: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,20}$", description="设备的故障代码")
    message: str | None = Field(None, max_length=200, description="故障说明")

    _message = field_validator("message")(safe_text)


class Components(BaseModel):
    """七个受监控部件的当前状态（心跳上报时七项都要有）。"""

    model_config = ConfigDict(extra="forbid")

    card_reader: PartStatus = Field(description="读卡器")
    id_reader: PartStatus = Field(description="身份证阅读器")
    camera: PartStatus = Field(description="摄像头")
    ribbon: PartStatus = Field(description="色带（level：余量 %）")
    receipt_printer: PartStatus = Field(description="凭条打印机")
    paper: PartStatus = Field(description="打印纸（level：余量 %）")
    network: PartStatus = Field(description="网络")


def consumable_level(component: str, level: int | None, value: float | None) -> float | None:
    """The level of a 色带 / 打印纸: `level` (older clients) or else the numeric `value`."""
    if component not in LOW_LEVEL:
        return None
    return level if level is not None else value


def is_fine(component: str, status: str, level: float | None = None, value: float | None = None) -> bool:
    """正常 reported and, for consumables with a level, not below the low-level mark."""
    low, left = LOW_LEVEL.get(component), consumable_level(component, level, value)
    return status == "正常" and (low is None or left is None or left >= low)


def _part_fine(component: str, part: PartStatus) -> bool:
    return is_fine(component, part.status, part.level, part.value)


def faults(components: Components) -> list[str]:
    """Faulty component codes, in the fixed order of `MONITORED`."""
    return [code for code in MONITORED if not _part_fine(code, getattr(components, code))]


def running_state(fault_codes: list[str]) -> str:
    return "异常" if fault_codes else "正常"


def fault_text(component: str, part: PartStatus | None) -> str:
    """告警说明，如 “色带余量不足（3%）” 或 “读卡器异常：E101 卡座堵塞”。"""
    label = ALARM_LABELS[component]
    if part is None:
        return label
    left = consumable_level(component, part.level, part.value)
    if part.status == "正常" and left is not None:
        return f"{label}余量不足（{left:g}%）"
    extra = "：" + " ".join(x for x in (part.code, part.message) if x) if (part.code or part.message) else ""
    return f"{label}异常{extra}"
