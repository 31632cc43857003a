"""远程管理与监控的工作人员接口模型：自检、日志、状态、告警、工单的查询结果与处理请求。"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.terminals.schemas import safe_text

SelfCheckResult = Literal["通过", "未通过"]
OnlineState = Literal["在线", "离线"]
RunningState = Literal["正常", "异常", "未知"]
AlarmStatus = Literal["未处理", "已确认", "已清除"]
Severity = Literal["严重", "一般", "提示"]
WorkOrderStatus = Literal["已派单", "维修中", "已修复", "已关闭"]
RepairResult = Literal["已修复", "未修复"]


# ---------- staff: answers


class ComponentOut(BaseModel):
    component: str
    label: str = Field(description="部件名称")


class SelfCheckItemOut(ComponentOut):
    result: str
    level: int | None
    value: float | None = Field(None, description="数值读数（含义见部件）")
    code: str | None
    message: str | None
    fine: bool = Field(description="是否正常（含余量判断）")


class SelfCheckOut(BaseModel):
    """自检记录。"""

    id: int
    device_id: str
    device_name: str
    checked_at: datetime
    received_at: datetime
    result: SelfCheckResult
    failed_count: int = Field(description="异常部件数")
    software_version: str | None
    duration_ms: int | None


class SelfCheckDetail(SelfCheckOut):
    items: list[SelfCheckItemOut]


class LogOut(BaseModel):
    """设备日志行。"""

    id: int
    device_id: str
    logged_at: datetime
    level: str
    message: str
    received_at: datetime


class StateOut(BaseModel):
    """设备运行状态与在线状态。"""

    device_id: str
    device_name: str
    outlet_code: str
    region_code: str
    online_state: OnlineState
    running_state: RunningState = Field(description="正常：全部部件正常；异常：任一部件异常；未知：尚无上报")
    faults: list[ComponentOut] = Field(description="异常部件")
    last_heartbeat_at: datetime | None
    online_changed_at: datetime | None
    running_changed_at: datetime | None
    software_version: str | None


class StateDetail(StateOut):
    components: dict | None = Field(description="最近一次上报的各部件状态")


class StateChangeOut(BaseModel):
    """一次状态变化。"""

    id: int
    device_id: str
    at: datetime
    kind: Literal["在线状态", "运行情况"]
    from_state: str | None
    to_state: str
    faults: list[ComponentOut]
    cause: str = Field(description="心跳 / 超时")


class AlarmOut(BaseModel):
    """告警。"""

    id: int
    device_id: str
    device_name: str
    alarm_type: str
    alarm_label: str
    severity: Severity
    message: str
    status: AlarmStatus
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    cleared_by: str | None
    cleared_at: datetime | None
    clear_reason: str | None
    work_order_id: int | None


class RepairOut(BaseModel):
    id: int
    repairer: str
    repaired_at: datetime
    action: str
    result: RepairResult
    recorded_by: str
    recorded_at: datetime


class WorkOrderOut(BaseModel):
    """维修工单。"""

    id: int
    device_id: str
    device_name: str
    alarm_id: int | None
    fault: str
    assignee: str
    assignee_phone: str | None
    status: WorkOrderStatus
    created_by: str
    created_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None


class WorkOrderDetail(WorkOrderOut):
    repairs: list[RepairOut]


# ---------- staff: actions


class _Note(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _safe = field_validator("note", "fault", "assignee", "repairer", "action", check_fields=False)(safe_text)


class AlarmNote(_Note):
    """确认或清除告警时的说明。"""

    note: str | None = Field(None, max_length=200, description="说明（清除时必填）")


class WorkOrderIn(_Note):
    """派单：针对一条告警（或直接针对一台设备的故障）。"""

    alarm_id: int | None = Field(None, ge=1, description="告警编号（与设备编号二选一）")
    device_id: str | None = Field(None, max_length=20, description="设备编号（无告警时）")
    fault: str | None = Field(None, min_length=1, max_length=300, description="故障描述（不填则取告警内容）")
    assignee: str = Field(min_length=1, max_length=50, description="维修人员")
    assignee_phone: str | None = Field(None, pattern=r"^1\d{10}$", description="维修人员手机号")

    @model_validator(mode="after")
    def _target(self) -> Self:
        if (self.alarm_id is None) == (self.device_id is None):
            raise ValueError("告警编号与设备编号须且只须填写一个")
        if self.alarm_id is None and not self.fault:
            raise ValueError("无告警派单时须填写故障描述")
        return self


class RepairIn(_Note):
    """维修记录。"""

    repairer: str = Field(min_length=1, max_length=50, description="维修人")
    repaired_at: datetime | None = Field(None, description="维修时间（默认当前时间）")
    action: str = Field(min_length=1, max_length=500, description="处理内容")
    result: RepairResult = Field(description="已修复 / 未修复")


class CloseIn(_Note):
    """关闭工单。"""

    note: str | None = Field(None, max_length=300, description="关闭说明")
