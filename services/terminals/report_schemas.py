"""终端上报的请求模型（seed 2.2）：开机自检与设备日志；设备时间须带时区、不超前、不过旧。"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.terminals import clock
from services.terminals.components import VALUE_MAX, VALUE_MIN, ComponentCode, PartResult
from services.terminals.schemas import safe_text

LogLevel = Literal["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
MAX_LOG_LINES = 500
SELFCHECK_MAX_AGE = timedelta(days=30)
LOG_MAX_AGE = timedelta(days=90)
CLOCK_AHEAD = timedelta(minutes=5)  # a kiosk clock slightly ahead of ours is tolerated


def device_time(value: datetime, max_age: timedelta) -> datetime:
    """A time reported by a device: with a time zone, not in the future, not absurdly old."""
    if value.tzinfo is None:
        raise ValueError("时间须带时区，如 2026-11-28T08:00:00+08:00")
    now = clock.now()
    if value > now + CLOCK_AHEAD:
        raise ValueError("时间晚于服务器当前时间，请校准设备时钟")
    if value < now - max_age:
        raise ValueError(f"时间早于 {max_age.days} 天前，不予接收")
    return value


class SelfCheckItemIn(BaseModel):
    """一个部件的自检结果。"""

    model_config = ConfigDict(extra="forbid")

    component: ComponentCode = Field(description="部件代码")
    result: PartResult = Field(description="正常 / 异常")
    level: int | None = Field(None, ge=0, le=100, description="余量百分比（色带、打印纸）")
    value: float | None = Field(
        None, ge=VALUE_MIN, le=VALUE_MAX, allow_inf_nan=False,
        description="部件的数值读数（读卡重试次数、丢包率 %、余量 % 等，见 components.VALUE_MEANING）",
    )  # fmt: skip
    code: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,20}$", description="故障代码")
    message: str | None = Field(None, max_length=200, description="说明")

    _message = field_validator("message")(safe_text)


class SelfCheckIn(BaseModel):
    """开机自检：每个部件的结果。"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "checked_at": "2026-11-28T08:00:00+08:00",
                "software_version": "2.1.0",
                "duration_ms": 5200,
                "items": [
                    {"component": "card_reader", "result": "正常", "value": 1},
                    {"component": "ribbon", "result": "正常", "value": 62},
                    {"component": "camera", "result": "异常", "code": "E301", "message": "无图像"},
                ],
            }
        },
    )

    checked_at: datetime = Field(description="自检时间（设备时钟，带时区）")
    software_version: str | None = Field(None, max_length=32, description="终端软件版本")
    duration_ms: int | None = Field(None, ge=0, le=3_600_000, description="自检耗时（毫秒）")
    items: list[SelfCheckItemIn] = Field(min_length=1, max_length=20, description="各部件结果")

    _checked_at = field_validator("checked_at")(lambda v: device_time(v, SELFCHECK_MAX_AGE))
    _version = field_validator("software_version")(safe_text)

    @model_validator(mode="after")
    def _one_per_component(self) -> Self:
        codes = [item.component for item in self.items]
        if len(codes) != len(set(codes)):
            raise ValueError("同一部件只能出现一次")
        return self


class LogLineIn(BaseModel):
    """一行设备日志。"""

    model_config = ConfigDict(extra="forbid")

    at: datetime = Field(description="日志时间（带时区）")
    level: LogLevel = Field(description="级别")
    message: str = Field(min_length=1, max_length=2000, description="内容")

    _at = field_validator("at")(lambda v: device_time(v, LOG_MAX_AGE))

    @field_validator("message")
    @classmethod
    def _printable(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("不能包含空字符")
        return value


class LogBatchIn(BaseModel):
    """一批设备日志（最多 500 行）。"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "lines": [
                    {"at": "2026-11-28T08:00:01+08:00", "level": "INFO", "message": "开机完成"},
                    {"at": "2026-11-28T08:03:12+08:00", "level": "ERROR", "message": "色带余量不足"},
                ]
            }
        },
    )

    lines: list[LogLineIn] = Field(min_length=1, max_length=MAX_LOG_LINES, description="日志行")


class Accepted(BaseModel):
    device_id: str
    accepted: int = Field(description="接收的条数")
    id: int | None = Field(None, description="新记录的编号（自检）")
