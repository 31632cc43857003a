"""证件类型：居民身份证与非内地居民的证件（号码规则、代码、出生日期从哪里来）。

Codes follow the platform's own (`simulators.population.DOC_TYPES`, `contracts/person.py`,
`spark_jobs/checks.py`): 01 居民身份证, 03 港澳居民来往内地通行证, 06 外国人永久居留身份证, 07 台湾居民来往
大陆通行证, plus 08 港澳台居民居住证 (issued since 2018; 18 characters in the GB 11643 layout with the
address codes 810000 香港, 820000 澳门, 830000 台湾).

| 证件 | 号码 | 出生日期 |
|---|---|---|
| 居民身份证 | GB 11643 (18, check character) | in the number |
| 港澳台居民居住证 | GB 11643 layout, address 810000 / 820000 / 830000 | in the number |
| 外国人永久居留身份证 | 18: `9` + province, nationality, birth date, sequence, check | in the number |
| 港澳居民来往内地通行证 | `H` or `M` + 8 digits | from the channel's assertion (`birth`) |
| 台湾居民来往大陆通行证 | 8 digits | from the channel's assertion (`birth`) |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from yikatong import ids

CODES = {
    "居民身份证": "01",
    "港澳居民来往内地通行证": "03",
    "外国人永久居留身份证": "06",
    "台湾居民来往大陆通行证": "07",
    "港澳台居民居住证": "08",
}
NAMES = {code: name for name, code in CODES.items()}
_GB_SHAPE = re.compile(r"^\d{17}[\dX]$")
_HK_MACAU = re.compile(r"^[HM]\d{8}$")
_TAIWAN = re.compile(r"^\d{8}$")
_RESIDENCE_PREFIXES = ("810000", "820000", "830000")


@dataclass(frozen=True)
class Verdict:
    """一个证件号码的检查结论：规范化的号码、是否有效、原因、号码中的出生日期（若有）。"""

    number: str
    valid: bool
    reason: str | None = None
    birth_date: date | None = None


def name_of(kind: str | None) -> str:
    """A document type given by name or code → its name (居民身份证 when empty); KeyError if unknown."""
    if not kind:
        return "居民身份证"
    if kind in CODES:
        return kind
    return NAMES[kind]


def _gb_layout(number: str, label: str) -> Verdict:
    if not _GB_SHAPE.match(number):
        return Verdict(number, False, f"{label}号码应为 18 位：前 17 位数字，末位数字或 X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return Verdict(number, False, f"{label}号码中的出生日期 {number[6:14]} 无效")
    if born > date.today() or born.year < 1880:
        return Verdict(number, False, f"{label}号码中的出生日期 {number[6:14]} 不合理")
    expected = ids.check_char(number[:17])
    if number[17] != expected:
        return Verdict(number, False, f"{label}号码校验码错误：应为 {expected}")
    return Verdict(number, True, birth_date=born)


def check(kind: str, number: str) -> Verdict:
    """Check `number` as a document of type `kind` (name or code)."""
    name = name_of(kind)
    number = str(number).strip().upper()
    if name == "居民身份证":
        verdict = ids.check_id(number)
        reason = None if verdict.valid else verdict.reason
        return Verdict(verdict.number, verdict.valid, reason, verdict.birth_date)
    if name == "港澳台居民居住证":
        if not number.startswith(_RESIDENCE_PREFIXES):
            return Verdict(number, False, "港澳台居民居住证号码应以 810000、820000 或 830000 开头")
        return _gb_layout(number, name)
    if name == "外国人永久居留身份证":
        if not number.startswith("9"):
            return Verdict(number, False, "外国人永久居留身份证号码应以 9 开头（18 位）")
        return _gb_layout(number, name)
    if name == "港澳居民来往内地通行证":
        ok = bool(_HK_MACAU.match(number))
        return Verdict(number, ok, None if ok else "港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字")
    ok = bool(_TAIWAN.match(number))
    return Verdict(number, ok, None if ok else "台湾居民来往大陆通行证号码应为 8 位数字")


def age(birth: date, today: date | None = None) -> int:
    today = today or date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
