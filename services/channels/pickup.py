"""领卡信息（进度 3.1.3）：制卡批次、装箱位置、领卡网点，随省卡管进度记录，显示与推送。

The province answers them on its progress query (`BATCHNO` 制卡批次, `ZXWZ` 装箱位置 箱-盒-排-位,
`LKWDBM` 领卡网点代码). `record` keeps them on the application only when the province's row is this
application's (same 受理号, and only once it was submitted), so a person's older application never
lends its batch to a new one. The outlet's name comes from the platform's outlet directory
(`yikatong.regions`); an outlet the directory does not know is shown by its code alone.
"""

from __future__ import annotations

import re
from typing import Any

from services.channels.models import Application
from yikatong import regions

FIELDS = ("batch_no", "box_position", "outlet_code")
_PROVINCE = {"batch_no": "BATCHNO", "box_position": "ZXWZ", "outlet_code": "LKWDBM"}
_LENGTH = {"batch_no": 16, "box_position": 20, "outlet_code": 12}
_SUBMITTED = ("已提交省卡管", "制卡中", "待领卡")
_BOX = re.compile(r"\d{1,4}(-\d{1,4}){0,3}")
_UNITS = ("箱", "盒", "排", "位")


def box_words(position: str | None) -> str | None:
    """`1-2-3-4` → 第1箱第2盒第3排第4位; anything else is shown as the province sent it."""
    if not position:
        return None
    if not _BOX.fullmatch(position):
        return position
    return "".join(f"第{int(n)}{unit}" for n, unit in zip(position.split("-"), _UNITS, strict=False))


def outlet_name(code: str | None) -> str | None:
    """The outlet's name from the platform's directory, or None when it does not know the code."""
    if code and regions.exists(code) and regions.get(code).level == "outlet":
        return regions.get(code).name
    return None


def describe(values: dict[str, Any]) -> dict[str, str | None]:
    """The three stored values plus the box position in words and the outlet's name."""
    out = {k: values.get(k) for k in FIELDS}
    out["box_position_text"] = box_words(out["box_position"])
    out["outlet_name"] = outlet_name(out["outlet_code"])
    return out


def _ours(app: Application, progress: dict[str, Any]) -> bool:
    sqid = progress.get("SQID")
    return app.state in _SUBMITTED and (not app.province_ref or not sqid or str(sqid) == app.province_ref)


def record(app: Application, progress: dict[str, Any]) -> bool:
    """Store what the province now says (a value it dropped is kept); True when anything changed."""
    if not _ours(app, progress):
        return False
    changed = False
    for field, key in _PROVINCE.items():
        value = str(progress.get(key) or "").strip()
        if value and len(value) <= _LENGTH[field] and value != getattr(app, field):
            setattr(app, field, value)
            changed = True
    return changed


def _place(app: Application) -> str | None:
    """海棠街道便民服务中心（511102004001）, or the bare code when the directory does not know it."""
    name = outlet_name(app.outlet_code)
    return f"{name}（{app.outlet_code}）" if name else app.outlet_code


def notice(app: Application) -> str:
    """The resident's instruction once the card waits at the outlet (timeline note and push)."""
    if outlet_name(app.outlet_code):
        text = f"请到{_place(app)}领卡"
    else:
        text = f"请到领卡网点 {app.outlet_code} 领卡" if app.outlet_code else "请到领卡网点领卡"
    if app.box_position:
        text += f"，装箱位置 {box_words(app.box_position)}"
    if app.batch_no:
        text += f"，制卡批次 {app.batch_no}"
    return text[:200]


def summary(app: Application) -> str:
    """What changed, for a push that is not a stage change (e.g. the province moved the outlet)."""
    parts = (
        f"领卡网点 {_place(app)}" if app.outlet_code else None,
        f"装箱位置 {box_words(app.box_position)}" if app.box_position else None,
        f"制卡批次 {app.batch_no}" if app.batch_no else None,
    )
    return ("领卡信息更新：" + "，".join(p for p in parts if p))[:200]


def payload(app: Application) -> dict[str, str]:
    """The pickup details for a push message (only those known)."""
    return {k: v for k, v in describe({k: getattr(app, k) for k in FIELDS}).items() if v}
