"""A small read-only .xlsx reader for uploads: the cell values of one sheet, streamed.

openpyxl builds an object per cell and shared string, which costs more than the rest of a
1,000-row import together; uploads need values only. Supported: shared and inline strings
(rich-text runs joined, phonetic runs skipped), numbers (int when integral), booleans, errors (as
their text) and formulas, returned as `=<formula>` so that validation refuses them instead of
trusting a cached result. Transitional and Strict OOXML namespaces are both accepted. Workbooks
the API writes still use openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import fromstring, iterparse

_INT = re.compile(r"-?\d{1,18}")
_COLUMN = re.compile(r"[A-Z]{1,3}")


class XlsxError(ValueError):
    """The package is not a readable workbook."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Any) -> str:
    """Text of an <si> or <is>: its <t>, or its runs' <t>, never the phonetic <rPh>."""
    parts = []
    for child in element:
        kind = _local(child.tag)
        if kind == "t":
            parts.append(child.text or "")
        elif kind == "r":
            parts.append("".join(t.text or "" for t in child if _local(t.tag) == "t"))
    return "".join(parts)


def _column(reference: str | None, default: int) -> int:
    match = _COLUMN.match(reference or "")
    if not match:
        return default
    index = 0
    for letter in match.group():
        index = index * 26 + ord(letter) - 64
    return index - 1


class XlsxReader:
    """Open with the upload's zip archive; `rows(sheet)` yields (row number, values)."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def _sheets(self) -> list[tuple[str, str]]:
        workbook = fromstring(self.archive.read("xl/workbook.xml"))
        rels = fromstring(self.archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        sheets = []
        for sheet in (e for e in workbook.iter() if _local(e.tag) == "sheet"):
            rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid, "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            sheets.append((sheet.get("name", ""), path))
        if not sheets:
            raise XlsxError("no sheets")
        return sheets

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.archive.namelist():
            return []
        strings = []
        with self.archive.open("xl/sharedStrings.xml") as stream:
            for _, element in iterparse(stream):
                if _local(element.tag) == "si":
                    strings.append(_text(element))
                    element.clear()
        return strings

    def rows(self, preferred_sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
        """The named sheet's rows (the first sheet when it is absent), empty rows included."""
        sheets = self._sheets()
        path = next((p for name, p in sheets if name == preferred_sheet), sheets[0][1])
        strings = self._shared_strings()
        number, tags = 0, None
        with self.archive.open(path) as stream:
            for _, element in iterparse(stream):
                if tags is None:  # the sheet's namespace (Transitional or Strict), from its first element
                    tags = _Tags(element.tag[: element.tag.find("}") + 1])
                if element.tag != tags.row:
                    continue
                number = int(element.get("r") or number + 1)
                yield number, _values(element, strings, tags)
                element.clear()


class _Tags:
    __slots__ = ("c", "f", "inline", "row", "v")

    def __init__(self, ns: str) -> None:
        self.row, self.c, self.v, self.f, self.inline = f"{ns}row", f"{ns}c", f"{ns}v", f"{ns}f", f"{ns}is"


def _values(row: Any, strings: list[str], tags: _Tags) -> list[Any]:
    values: list[Any] = []
    for cell in row:
        if cell.tag != tags.c:
            continue
        index = _column(cell.get("r"), len(values))
        if index > len(values):
            values.extend([None] * (index - len(values)))
        values.append(_value(cell, strings, tags))
    return values


def _value(cell: Any, strings: list[str], tags: _Tags) -> Any:
    kind, formula = cell.get("t", "n"), cell.find(tags.f)
    if formula is not None:
        return "=" + (formula.text or "")
    if kind == "inlineStr":
        inline = cell.find(tags.inline)
        return _text(inline) if inline is not None else None
    value = cell.find(tags.v)
    if value is None or value.text is None:
        return None
    text = value.text
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return text == "1"
    if kind in ("str", "e"):
        return text
    return int(text) if _INT.fullmatch(text) else float(text)
