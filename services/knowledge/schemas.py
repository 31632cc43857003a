"""知识库接口的请求与响应体。"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
TOPIC_HINT = "主题，如 申领、补卡、挂失、密码（2–20 字）"


class _Dates(BaseModel):
    @model_validator(mode="after")
    def _ordered(self) -> Self:
        start, end = getattr(self, "valid_from", None), getattr(self, "valid_to", None)
        if start and end and end < start:
            raise ValueError("有效期止不能早于有效期起")
        return self


class ItemCreate(_Dates):
    """新增知识条目。"""

    model_config = ConfigDict(extra="forbid")

    topic: Text = Field(min_length=2, max_length=20, description=TOPIC_HINT)
    questions: list[Question] = Field(min_length=1, max_length=20, description="问法，第一条为标准问法")
    answer: Text = Field(min_length=5, max_length=2000, description="答案")
    source: Text = Field(min_length=2, max_length=200, description="依据（政策文件、办事指南）")
    valid_from: date | None = Field(default=None, description="有效期起（空为立即生效）")
    valid_to: date | None = Field(default=None, description="有效期止（空为长期）")


class ItemUpdate(_Dates):
    """修改知识条目：只改给出的字段；`version` 为修改所依据的版本（防止覆盖他人的修改）。"""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="当前版本号（来自查询结果）")
    topic: Text | None = Field(default=None, min_length=2, max_length=20, description=TOPIC_HINT)
    questions: list[Question] | None = Field(default=None, min_length=1, max_length=20)
    answer: Text | None = Field(default=None, min_length=5, max_length=2000)
    source: Text | None = Field(default=None, min_length=2, max_length=200)
    valid_from: date | None = None
    valid_to: date | None = None


class ItemOut(BaseModel):
    """知识条目。"""

    id: str = Field(description="条目编号，如 KB-0001")
    topic: str
    questions: list[str]
    answer: str
    source: str
    valid_from: date | None
    valid_to: date | None
    status: str = Field(description="有效 / 已停用")
    version: int = Field(description="0 为随系统发布的原始条目，修改一次加 1")
    updated_by: str | None


class AskIn(BaseModel):
    """居民或合作系统的提问。"""

    model_config = ConfigDict(extra="forbid")

    question: Text = Field(min_length=1, max_length=200, description="问题（中文）")
    limit: int = Field(default=3, ge=1, le=10, description="返回的候选条数")


class Citation(BaseModel):
    """答案所引用的知识条目。"""

    id: str
    topic: str
    question: str = Field(description="与提问最接近的标准问法")
    source: str
    valid_from: date | None
    valid_to: date | None
    version: int


class Related(BaseModel):
    id: str
    question: str
    score: float


class Answer(BaseModel):
    """问答结果：命中时给出答案并引用条目；未命中时给出建议。"""

    answered: bool
    answer: str
    score: float = Field(description="检索得分（BM25），越高越相关")
    citation: Citation | None
    related: list[Related] = Field(description="其他相关条目（可作为“您是不是想问”）")
