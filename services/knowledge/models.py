"""知识条目的修订（知识管理员在接口中新增、修改、停用的条目；按编号覆盖随代码发布的语料）。"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from services.base.db import Base, utcnow
from services.base.models import Timestamp


class KnowledgeRevision(Base):
    """一个知识条目的当前修订：条目编号、主题、问法、答案、有效期、依据、状态、版本。"""

    __tablename__ = "knowledge_item"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))
    questions: Mapped[list[str]] = mapped_column(ARRAY(Text))
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(4))
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
