"""An .xlsx made in memory from rows, for the tests that read staff's own workbooks."""

from __future__ import annotations

import io

from openpyxl import Workbook


def workbook_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
