"""身份证人像面的字段提取：把识别出的文字行按版面归行，再按标签取出六项信息并交叉核对。

Fields: 姓名, 性别, 民族, 出生, 住址, 公民身份号码. The number is checked against GB 11643
(check character, date), and its birth date and sex against the printed ones; disagreements are
reported as warnings for the resident to correct, never silently "fixed".
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from services.capabilities.ocr import TextBox
from yikatong.ids import check_id

_ID_NUMBER = re.compile(r"[1-9]\d{16}[\dXx]")
_BIRTH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")


@dataclass
class IdCardFields:
    """识别结果（缺失的字段为 None）与核对结果。"""

    name: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    birth: str | None = None
    address: str | None = None
    id_number: str | None = None
    confidence: float = 0.0
    id_number_valid: bool = False
    warnings: list[str] = field(default_factory=list)

    def found(self) -> int:
        return sum(
            v is not None
            for v in (self.name, self.sex, self.ethnicity, self.birth, self.address, self.id_number)
        )


def rows(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Text boxes grouped into printed lines (top to bottom, each left to right)."""
    if not boxes:
        return []
    tolerance = 0.5 * statistics.median(b.height for b in boxes)
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.y + b.height / 2):
        centre = box.y + box.height / 2
        if lines and abs(centre - (lines[-1][0].y + lines[-1][0].height / 2)) <= tolerance:
            lines[-1].append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x) for line in lines]


def _text(line: list[TextBox]) -> str:
    return re.sub(r"\s+", "", "".join(b.text for b in line))


def _after(text: str, label: str) -> str:
    return text.split(label, 1)[1] if label in text else ""


def parse(boxes: list[TextBox]) -> IdCardFields:
    """The six fields from the OCR lines of an ID card's portrait side."""
    out = IdCardFields(confidence=round(min((b.score for b in boxes), default=0.0), 3))
    address: list[str] = []
    in_address = False
    for text in (_text(line) for line in rows(boxes)):
        number = _ID_NUMBER.search(text)
        if number or "公民身份号码" in text:
            in_address = False  # the number closes the address block
            out.id_number = number.group().upper() if number else out.id_number
            continue
        if text.startswith("住址"):
            in_address, address = True, [_after(text, "住址")]
            continue
        if in_address and not text.startswith(_LABELS):
            address.append(text)
            continue
        if text.startswith("姓名") and (value := _after(text, "姓名")):
            out.name = value
        if m := re.search(r"性别([男女])", text):
            out.sex = m.group(1)
        if value := _after(text, "民族"):
            out.ethnicity = value
        if m := _BIRTH.search(text):
            out.birth = f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日"
    out.address = "".join(address) or None
    _cross_check(out)
    return out


def _cross_check(out: IdCardFields) -> None:
    if out.id_number is None:
        return
    verdict = check_id(out.id_number)
    if not verdict.valid:
        out.warnings.append(f"公民身份号码未通过校验：{verdict.reason}")
        return
    out.id_number_valid = True
    born = verdict.birth_date
    if out.birth and born and out.birth != f"{born.year}年{born.month}月{born.day}日":
        out.warnings.append("出生日期与公民身份号码不一致")
    if out.sex and verdict.sex and out.sex != verdict.sex:
        out.warnings.append("性别与公民身份号码不一致")
