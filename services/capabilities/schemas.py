"""平台能力接口的响应体（证件识别、人脸）与密钥服务的请求、响应体。"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class IdCardOut(BaseModel):
    """身份证人像面识别结果：六项信息（未识别的为空）、号码校验与交叉核对的提示。"""

    name: str | None = Field(description="姓名")
    sex: str | None = Field(description="性别")
    ethnicity: str | None = Field(description="民族")
    birth: str | None = Field(description="出生，如 1987年10月25日")
    address: str | None = Field(description="住址")
    id_number: str | None = Field(description="公民身份号码")
    id_number_valid: bool = Field(description="号码是否通过 GB 11643 校验")
    confidence: float = Field(description="各行识别置信度的最小值")
    warnings: list[str] = Field(description="需要人工核对的地方")


class FaceOut(BaseModel):
    left: int
    top: int
    width: int
    height: int
    score: float = Field(description="检测得分")


class PhotoCheckOut(BaseModel):
    """照片检查通过：尺寸与唯一的人脸。"""

    width: int
    height: int
    face: FaceOut


class FaceCompareOut(BaseModel):
    """人证比对结果。"""

    same_person: bool = Field(description="是否为同一人（特征距离小于阈值）")
    distance: float = Field(description="人脸特征的欧氏距离，越小越相似")
    similarity: float = Field(description="1 − 距离，便于展示")
    threshold: float = Field(description="判定阈值")
    live_face: FaceOut
    reference_face: FaceOut


class DataKeyOut(BaseModel):
    """新生成的 SM4 数据密钥：明文只在本次响应中出现，`wrapped_key` 请与数据一起保存。"""

    key_id: str
    algorithm: str = "SM4"
    key: str = Field(description="32 位十六进制的明文密钥")
    wrapped_key: str = Field(description="主密钥包装后的密钥，解包时提交")
    master_key_id: str = Field(description="包装所用主密钥的编号")


class UnwrapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wrapped_key: str = Field(min_length=10, max_length=400)


class UnwrapOut(BaseModel):
    key_id: str
    key: str


class Sm2KeyOut(BaseModel):
    """SM2 密钥对（私钥由密钥服务保管，不返回）。"""

    key_id: str
    algorithm: str = "SM2"
    public_key: str = Field(description="公钥 x‖y，128 位十六进制")
    status: str
    created_at: datetime


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: str = Field(min_length=1, max_length=90_000, description="待签名数据（Base64，解码后不超过 64 KB）")
    signer_id: str = Field(default="1234567812345678", min_length=1, max_length=64, description="签名者 ID")


class SignOut(BaseModel):
    key_id: str
    algorithm: str = "SM3withSM2"
    signature: str = Field(description="DER 编码签名的 Base64")


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_key: str = Field(min_length=128, max_length=130, description="公钥 x‖y（可带 04 前缀）")
    data: str = Field(min_length=1, max_length=90_000, description="原文（Base64）")
    signature: str = Field(min_length=8, max_length=200, description="DER 签名（Base64）")
    signer_id: str = Field(default="1234567812345678", min_length=1, max_length=64)


class VerifyOut(BaseModel):
    valid: bool


class KeyStatusOut(BaseModel):
    key_id: str
    algorithm: str
    status: str
    retired_at: datetime | None
