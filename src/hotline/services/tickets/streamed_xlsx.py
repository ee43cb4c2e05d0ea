"""An xlsx workbook of one sheet written as it is sent: rows in, zip bytes out.

A workbook is a zip of XML parts. The sheet's part is deflated row by row into the zip,
and what the zip has written so far is handed out after each batch of rows, so the first
bytes leave before the last row is read and memory holds one batch, whatever the number
of rows. Strings are inline (no shared-string table to keep until the end); the header
row is bold white on blue, the columns have their widths and the header stays frozen,
as the other exports.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

BATCH = 500
"""Rows written between two hand-outs of bytes."""

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_BOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><color rgb="FFFFFFFF"/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FF1677FF"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"'
    ' applyAlignment="1"><alignment horizontal="center"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)  # fmt: skip
#: Characters XML 1.0 cannot carry (a control character pasted into a complaint).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class _Pending:
    """Where the zip writes: bytes kept until handed out (the zip needs no seeking)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def stream_xlsx(
    sheet: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]
) -> Iterator[bytes]:
    """The bytes of a workbook whose one sheet, ``sheet``, has the header ``columns``
    ((label, width) each) and then ``rows`` (text, numbers or None per column)."""
    out = _Pending()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _workbook(sheet))
        book.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        book.writestr("xl/styles.xml", _STYLES)
        yield out.take()
        letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(_sheet_start(columns).encode())
            part.write(_row(1, letters, [label for label, _w in columns], style=1).encode())
            batch: list[str] = []
            for number, row in enumerate(rows, start=2):
                batch.append(_row(number, letters, row))
                if len(batch) >= BATCH:
                    part.write("".join(batch).encode())
                    batch.clear()
                    yield out.take()
            part.write(("".join(batch) + "</sheetData></worksheet>").encode())
    yield out.take()


def _workbook(sheet: str) -> str:
    return (
        _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _sheet_start(columns: Sequence[tuple[str, int]]) -> str:
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
        for i, (_label, width) in enumerate(columns, start=1)
    )
    return (
        _HEAD + f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        f"</sheetView></sheetViews><cols>{widths}</cols><sheetData>"
    )


def _row(number: int, letters: list[str], values: Sequence[Any], style: int = 0) -> str:
    styled = f' s="{style}"' if style else ""
    cells = []
    for letter, value in zip(letters, values, strict=False):
        if value is None or value == "":
            continue
        ref = f"{letter}{number}"
        if isinstance(value, bool):
            value = "是" if value else "否"
        if isinstance(value, int | float):
            cells.append(f'<c r="{ref}"{styled}><v>{value}</v></c>')
        else:
            text = escape(_NOT_XML.sub("", str(value)))
            inline = f'<is><t xml:space="preserve">{text}</t></is>'
            cells.append(f'<c r="{ref}"{styled} t="inlineStr">{inline}</c>')
    return f'<row r="{number}">{"".join(cells)}</row>'
