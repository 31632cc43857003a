"""设备的请求/响应模型；Excel 批量登记逐行复用同一套校验。"""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yikatong import regions

DEVICE_TYPES = ("自助制发卡一体机", "自助服务终端", "自助查询终端", "移动制卡终端")
DeviceType = Literal["自助制发卡一体机", "自助服务终端", "自助查询终端", "移动制卡终端"]
DeviceStatus = Literal["启用", "停用"]
DEVICE_ID_RE = re.compile(r"LS-(\d{6})-(\d{4,6})")
DEVICE_ID_HINT = "设备编号格式应为 LS-县级区划代码-4至6位序号，如 LS-511102-0001"
LON_RANGE, LAT_RANGE = (102.0, 104.5), (28.0, 30.5)  # 乐山市 with a margin
_UNSAFE_START = ("=", "+", "-", "@")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_device_id(value: str) -> str:
    match = DEVICE_ID_RE.fullmatch(value)
    if not match or match.group(1) not in regions.COUNTIES:
        raise ValueError(DEVICE_ID_HINT)
    return value


def check_outlet(value: str) -> str:
    if (
        not re.fullmatch(r"\d{12}", value)
        or not regions.exists(value)
        or regions.get(value).level != "outlet"
    ):
        raise ValueError("网点代码应为 12 位，且须是乐山市已登记的网点")
    return value


def safe_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith(_UNSAFE_START):
        raise ValueError("不能以 =、+、-、@ 开头")
    if _CONTROL.search(value):
        raise ValueError("不能包含控制字符")
    return value


def check_ip(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError("IP 地址格式不正确") from None


class _DeviceRules(BaseModel):
    """Field rules shared by registration, editing and the Excel rows."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _name = field_validator("name", "address", "manufacturer", check_fields=False)(safe_text)
    _outlet = field_validator("outlet_code", check_fields=False)(check_outlet)
    _ip = field_validator("ip", check_fields=False)(check_ip)


class DeviceCreate(_DeviceRules):
    """登记设备。"""

    device_id: str = Field(description=DEVICE_ID_HINT, examples=["LS-511102-0001"])
    name: str = Field(min_length=1, max_length=50, description="设备名称")
    device_type: DeviceType = Field(description="设备类型")
    outlet_code: str = Field(description="所属网点代码（12 位）", examples=["511102001001"])
    address: str = Field(min_length=1, max_length=200, description="安装地址")
    longitude: float | None = Field(None, ge=LON_RANGE[0], le=LON_RANGE[1], description="经度（可选）")
    latitude: float | None = Field(None, ge=LAT_RANGE[0], le=LAT_RANGE[1], description="纬度（可选）")
    manufacturer: str | None = Field(None, max_length=100, description="生产厂商")
    serial_no: str | None = Field(None, pattern=r"^[A-Za-z0-9._-]{1,64}$", description="设备序列号")
    ip: str | None = Field(None, description="IP 地址")

    _device_id = field_validator("device_id")(check_device_id)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.longitude is None) != (self.latitude is None):
            raise ValueError("经度与纬度应同时填写或同时留空")
        if self.device_id[3:9] != self.outlet_code[:6]:
            raise ValueError("设备编号中的区划代码与网点所属县（市、区）不一致")
        return self


class DeviceUpdate(_DeviceRules):
    """编辑设备：设备编号不可修改（可省略，给出时须与原值相同）。"""

    device_id: str | None = Field(None, description="设备编号（不可修改）")
    name: str | None = Field(None, min_length=1, max_length=50)
    device_type: DeviceType | None = None
    outlet_code: str | None = None
    address: str | None = Field(None, min_length=1, max_length=200)
    longitude: float | None = Field(None, ge=LON_RANGE[0], le=LON_RANGE[1])
    latitude: float | None = Field(None, ge=LAT_RANGE[0], le=LAT_RANGE[1])
    manufacturer: str | None = Field(None, max_length=100)
    serial_no: str | None = Field(None, pattern=r"^[A-Za-z0-9._-]{1,64}$")
    ip: str | None = None


class DeviceOut(BaseModel):
    """设备信息（不含凭证）。"""

    device_id: str
    name: str
    device_type: str
    outlet_code: str
    outlet_name: str
    region_code: str = Field(description="所属乡镇（街道）代码")
    region_name: str = Field(description="所属区域全称")
    county_code: str
    address: str
    longitude: float | None
    latitude: float | None
    manufacturer: str | None
    serial_no: str | None
    ip: str | None
    status: DeviceStatus
    online: bool = Field(description="在线：最近一次心跳在超时时间内")
    last_seen_at: datetime | None
    registered_by: str
    credential_issued_at: datetime
    created_at: datetime
    updated_at: datetime


class Credential(BaseModel):
    """设备凭证：只在登记或重新签发时返回一次，请妥善写入设备。"""

    device_id: str
    secret: str = Field(description="64 位十六进制密钥，用于 HMAC-SM3 请求签名")
    issued_at: datetime | None = None


class DeviceCreated(DeviceOut):
    credential: Credential


class ImportFailure(BaseModel):
    row: int = Field(description="工作表中的行号")
    device_id: str | None
    reason: str


class ImportResult(BaseModel):
    """批量登记结果。"""

    batch_id: uuid.UUID
    file_name: str
    status: Literal["成功", "部分失败", "失败"]
    total: int = Field(description="数据行数")
    succeeded: int = Field(description="成功行数（新增 + 已存在且一致）")
    created: int = Field(description="新增设备数")
    unchanged: int = Field(description="已登记且信息一致（幂等）")
    failed: int = Field(description="失败行数")
    failures: list[ImportFailure]
    failures_url: str | None = Field(description="失败行下载地址（有失败行时）")
    uploaded_by: str
    created_at: datetime


class ImportCreated(ImportResult):
    credentials: list[Credential] = Field(description="新增设备的凭证（只返回这一次）")
