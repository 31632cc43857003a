"""Excel 安全读写：上传文件的校验（大小、格式、解压炸弹）与导出单元格的公式注入防护。

Every cell the API writes into a workbook goes through `neutralise` (`sheet_workbook` does it for
data sheets): text starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
apostrophe, so no spreadsheet evaluates it. Uploads go through `open_upload`, which refuses
anything that is not a real .xlsx (old .xls, CSV, a renamed file, a zip that is not a workbook, a
zip bomb) with a 4xx.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import ParseError

from fastapi import Response
from openpyxl import Workbook

from services.base.errors import ApiError
from services.base.xlsx import XlsxError, XlsxReader

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE = {200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "xlsx 工作簿"}}
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_MAX_UNPACKED = 64 * 1024 * 1024  # bytes of XML a workbook may expand to
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def neutralise(value: Any) -> Any:
    """A cell value safe to export: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def unneutralise(value: Any) -> Any:
    """Undo `neutralise` on re-upload (our own failed-rows workbooks come back)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_DANGEROUS):
        return value[1:]
    return value


def sheet_workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Workbook:
    """A write-only one-sheet workbook; every cell goes through `neutralise`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for row in rows:
        ws.append([neutralise(v) for v in row])
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def workbook_response(wb: Workbook, filename: str) -> Response:
    """The workbook as a download (UTF-8 file name per RFC 6266)."""
    disposition = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        workbook_bytes(wb), media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition}
    )


def _refuse(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, message)


def check_upload(data: bytes, max_bytes: int) -> None:
    """Size, container and zip-bomb checks before any XML is parsed."""
    if not data:
        raise _refuse(422, "FILE_EMPTY", "上传的文件为空")
    if len(data) > max_bytes:
        raise _refuse(413, "FILE_TOO_LARGE", f"文件过大（上限 {max_bytes // 1024} KB）")
    if data.startswith(_OLE_MAGIC):
        raise _refuse(415, "FILE_NOT_XLSX", "不支持旧版 .xls 文件，请另存为 .xlsx 后上传")
    if not data.startswith(b"PK\x03\x04"):
        raise _refuse(415, "FILE_NOT_XLSX", "文件不是 .xlsx 工作簿（请使用下载的模板）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(415, "FILE_NOT_XLSX", "文件已损坏或不是 .xlsx 工作簿") from None
    if "xl/workbook.xml" not in names:
        raise _refuse(415, "FILE_NOT_XLSX", "压缩包中没有工作簿，文件不是 .xlsx")
    if unpacked > _MAX_UNPACKED:
        raise _refuse(413, "FILE_TOO_LARGE", "工作簿解压后过大")


def open_upload(data: bytes, max_bytes: int) -> XlsxReader:
    """A reader over uploaded bytes (after `check_upload`); 4xx `ApiError` for anything unusable."""
    check_upload(data, max_bytes)
    return XlsxReader(zipfile.ZipFile(io.BytesIO(data)))


def sheet_rows(reader: XlsxReader, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of every row; a malformed part is a 422, wherever it surfaces."""
    try:
        yield from reader.rows(sheet)
    except (XlsxError, ParseError, KeyError, ValueError, IndexError, zipfile.BadZipFile, EOFError):
        raise _refuse(422, "FILE_INVALID", "无法读取工作簿内容，请使用下载的模板重新填写") from None


def cell_text(value: Any) -> str | None:
    """A cell as text: numbers without a spurious `.0`, dates as ISO, blanks as None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ")
    text = str(value).strip()
    return text or None


def data_rows(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """The rows that have at least one non-blank cell."""
    for number, values in rows:
        if any(cell_text(v) is not None for v in values):
            yield number, values
