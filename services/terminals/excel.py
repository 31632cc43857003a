"""设备批量登记的工作簿：模板、逐行读取、失败行回写、设备导出（单元格均经公式注入防护）。"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from services.base.errors import invalid
from services.base.excel import cell_text, data_rows, neutralise, sheet_rows, sheet_workbook, unneutralise
from services.base.xlsx import XlsxReader
from services.terminals.models import Device
from services.terminals.schemas import DEVICE_ID_HINT, DEVICE_TYPES, LAT_RANGE, LON_RANGE
from yikatong import regions

MAX_ROWS = 1000
_SCAN_LIMIT = 20_000  # physical rows looked at before giving up on a sheet
SHEET = "设备登记"
REASON = "失败原因"
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("device_id", "设备编号", True),
    ("name", "设备名称", True),
    ("device_type", "设备类型", True),
    ("outlet_code", "网点代码", True),
    ("address", "安装地址", True),
    ("longitude", "经度", False),
    ("latitude", "纬度", False),
    ("manufacturer", "生产厂商", False),
    ("serial_no", "设备序列号", False),
    ("ip", "IP地址", False),
)
HEADER = [f"{label}*" if required else label for _, label, required in COLUMNS]
LABELS = {name: label for name, label, _ in COLUMNS}
_NUMERIC = {"longitude", "latitude"}
NOTES = (
    ("设备编号", f"必填。{DEVICE_ID_HINT}；区划代码须与网点所属县（市、区）一致；登记后不可修改"),
    ("设备名称", "必填，不超过 50 字"),
    ("设备类型", "必填，取值：" + "、".join(DEVICE_TYPES)),
    ("网点代码", "必填，12 位，见“网点代码”工作表；只能登记到本人管辖区域内的网点"),
    ("安装地址", "必填，不超过 200 字"),
    (
        "经度/纬度",
        f"可选，须同时填写；经度 {LON_RANGE[0]}–{LON_RANGE[1]}，纬度 {LAT_RANGE[0]}–{LAT_RANGE[1]}",
    ),
    ("生产厂商、设备序列号、IP地址", "可选；序列号仅限字母、数字和 . _ -"),
    ("其他", f"每个文件最多 {MAX_ROWS} 行；文本不能以 = + - @ 开头；同一设备编号重复上传不会重复登记"),
)


@dataclass(frozen=True)
class SheetRow:
    row_no: int
    cells: dict[str, Any]  # field → value for validation
    raw: list[str | None]  # the template columns as text, for the failed-rows workbook


def template(scope_region: str) -> Workbook:
    """The registration template: data sheet with a type list, notes, and the outlets in scope."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", (18, 24, 18, 16, 36, 10, 10, 16, 18, 16), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    types = DataValidation(type="list", formula1='"' + ",".join(DEVICE_TYPES) + '"', allow_blank=False)
    types.add(f"C2:C{MAX_ROWS + 1}")
    ws.add_data_validation(types)
    notes = wb.create_sheet("填写说明")
    for row in (("列", "要求"), *NOTES):
        notes.append([neutralise(v) for v in row])
    outlets = wb.create_sheet("网点代码")
    outlets.append(["网点代码", "网点名称", "所属区域"])
    for outlet in regions.outlets(scope_region):
        outlets.append(
            [neutralise(v) for v in (outlet.code, outlet.name, regions.get(outlet.parent).full_name)]
        )
    return wb


def _columns(header: tuple[Any, ...]) -> dict[str, int]:
    by_label = {(cell_text(v) or "").replace("*", "").replace(" ", ""): i for i, v in enumerate(header)}
    found = {name: by_label[label] for name, label, _ in COLUMNS if label in by_label}
    missing = [label for name, label, required in COLUMNS if required and name not in found]
    if missing:
        raise invalid(
            "TEMPLATE_MISMATCH", "表头与模板不符，缺少列：" + "、".join(missing), {"expected": HEADER}
        )
    return found


def _cell(name: str, value: Any) -> Any:
    if name in _NUMERIC and isinstance(value, int | float):
        return value
    return unneutralise(cell_text(value))


def read_rows(reader: XlsxReader) -> list[SheetRow]:
    """The data rows of the 设备登记 sheet (or the first); over MAX_ROWS the file is refused whole."""
    stream = sheet_rows(reader, SHEET)
    first = next(stream, None)
    columns = _columns(tuple(first[1]) if first else ())
    rows = []
    for number, values in data_rows(stream):
        if number > _SCAN_LIMIT or len(rows) >= MAX_ROWS:
            raise invalid("TOO_MANY_ROWS", f"每个文件最多 {MAX_ROWS} 行数据，本文件超过了上限，请拆分后上传")
        picked = {name: values[i] if i < len(values) else None for name, i in columns.items()}
        cells = {name: _cell(name, value) for name, value in picked.items()}
        raw = [cell_text(picked.get(name)) for name, _, _ in COLUMNS]
        rows.append(SheetRow(number, {k: v for k, v in cells.items() if v is not None}, raw))
    if not rows:
        raise invalid("FILE_EMPTY", "工作表中没有数据行")
    return rows


def failures_workbook(rows: Iterable[tuple[str | None, str]]) -> Workbook:
    """Failed rows (stored raw cells as JSON, reason) with a reason column; re-uploadable as is."""
    data = ([*json.loads(cells or "[]"), reason] for cells, reason in rows)
    return sheet_workbook(SHEET, [*HEADER, REASON], data)


def export_workbook(devices: Iterable[Device]) -> Workbook:
    header = [*HEADER, "状态", "所属区域", "最近心跳（UTC）", "登记人", "登记时间（UTC）"]
    data = (
        [
            *(getattr(d, name) for name, _, _ in COLUMNS),
            d.status,
            regions.get(d.region_code).full_name,
            d.last_seen_at and d.last_seen_at.replace(tzinfo=None),
            d.registered_by,
            d.created_at.replace(tzinfo=None),
        ]
        for d in devices
    )
    return sheet_workbook("设备清单", header, data)
