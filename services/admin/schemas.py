"""工作人员与登录的请求/响应模型。"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.base.permissions import Role
from yikatong import regions
from yikatong.crypto import sm2_za

USERNAME_PATTERN = r"^[a-z][a-z0-9_.-]{2,31}$"
LOGIN_MESSAGE = "ykt-login|{username}|{challenge}"


def login_message(username: str, challenge: str) -> bytes:
    """The bytes the staff member's SM2 key signs to log in."""
    return LOGIN_MESSAGE.format(username=username, challenge=challenge).encode()


class ChallengeOut(BaseModel):
    challenge_id: uuid.UUID = Field(description="挑战码编号，登录时回传")
    challenge: str = Field(description="64 位十六进制随机数")
    expires_at: datetime = Field(description="过期时间")
    sign_format: str = Field(default=LOGIN_MESSAGE, description="USB Key 需签名的原文格式（SM3withSM2）")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=32, description="用户名")
    password: str = Field(min_length=1, max_length=128, description="口令")
    challenge_id: uuid.UUID = Field(description="挑战码编号")
    signature: str = Field(
        min_length=16,
        max_length=400,
        pattern=r"^[0-9a-fA-F]+$",
        description="用本人 SM2 私钥对签名原文的签名（ASN.1 DER，十六进制）",
    )


def _check_public_key(value: str) -> str:
    try:
        sm2_za(value)
    except ValueError:
        raise ValueError("SM2 公钥应为 128 位十六进制（x||y，可带 04 前缀），且在曲线上") from None
    return value.removeprefix("04") if len(value) == 130 else value


def _check_staff_region(code: str) -> str:
    if not regions.exists(code) or regions.get(code).level == "outlet":
        raise ValueError("所属区域应为乐山市、县（市、区）或乡镇（街道）的区划代码")
    return code


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    role_name: str
    region_code: str
    region_name: str
    is_active: bool
    locked_until: datetime | None = Field(description="锁定截止时间（未锁定为空）")
    last_login_at: datetime | None
    created_at: datetime


class MeOut(UserOut):
    permissions: list[str] = Field(description="本人拥有的权限")


class LoginOut(BaseModel):
    token: str = Field(description="会话令牌，放在 Authorization: Bearer 头中")
    token_type: str = "Bearer"
    expires_at: datetime = Field(description="会话最迟过期时间")
    idle_timeout_minutes: int = Field(description="空闲超时（分钟）")
    user: MeOut


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_PATTERN, description="用户名：小写字母开头，3–32 位")
    display_name: str = Field(min_length=1, max_length=50, description="姓名或称谓")
    role: Role = Field(description="角色代码")
    region_code: str = Field(description="所属区域（市、县、乡镇区划代码）")
    password: str = Field(min_length=1, max_length=128, description="初始口令（须满足复杂度规则）")
    sm2_public_key: str = Field(description="USB Key 的 SM2 公钥（十六进制）")

    _region = field_validator("region_code")(_check_staff_region)
    _key = field_validator("sm2_public_key")(_check_public_key)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=50)
    role: Role | None = None
    region_code: str | None = None
    is_active: bool | None = None
    sm2_public_key: str | None = None

    _region = field_validator("region_code")(lambda v: v if v is None else _check_staff_region(v))
    _key = field_validator("sm2_public_key")(lambda v: v if v is None else _check_public_key(v))


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=128, description="原口令")
    new_password: str = Field(min_length=1, max_length=128, description="新口令")


class PasswordReset(BaseModel):
    new_password: str = Field(min_length=1, max_length=128, description="新口令（须满足复杂度规则）")


class PermissionOut(BaseModel):
    code: str
    name: str


class RoleOut(BaseModel):
    code: Role
    name: str
    permissions: list[PermissionOut]
