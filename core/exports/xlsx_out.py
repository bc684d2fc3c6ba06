"""XLSX with openpyxl: the rows on the first sheet (bold, frozen header, filter, real date-time cells so
that Excel sorts by time), the summary on a second sheet."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.exports.report import Cell, Report, zh_datetime

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
BOLD = Font(bold=True)
TOP_WRAP = Alignment(vertical="top", wrap_text=True)


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    if isinstance(value, str):
        # Control characters make the file unreadable to Excel; Telegram text may carry them.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would store "=…" typed by a resident as a formula
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT


def _rows_sheet(sheet: Worksheet, report: Report) -> None:
    sheet.title = report.sheet_name
    table = report.table
    for column, spec in enumerate(table.columns, start=1):
        _put(sheet, 1, column, spec.header)
        sheet.cell(row=1, column=column).font = BOLD
        sheet.column_dimensions[get_column_letter(column)].width = spec.width
    for row_number, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            _put(sheet, row_number, column, value)
            sheet.cell(row=row_number, column=column).alignment = TOP_WRAP
            if table.columns[column - 1].number_format and isinstance(value, int | float):
                sheet.cell(row=row_number, column=column).number_format = table.columns[column - 1].number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    # Printed from Excel too: A4 landscape, all columns on one page width, the header on every page.
    sheet.print_title_rows = "1:1"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _summary_sheet(sheet: Worksheet, report: Report) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 14
    _put(sheet, 1, 1, report.title)
    sheet["A1"].font = Font(bold=True, size=14)
    _put(sheet, 2, 1, report.subtitle)
    _put(sheet, 3, 1, f"生成时间：{zh_datetime(report.generated_at)}")
    row = 5
    for section in report.summary:
        _put(sheet, row, 1, section.title)
        sheet.cell(row=row, column=1).font = BOLD
        for column, header in enumerate(section.headers, start=1):
            _put(sheet, row + 1, column, header)
            sheet.cell(row=row + 1, column=column).font = BOLD
        row += 2
        for label, value in section.rows:
            _put(sheet, row, 1, label)
            _put(sheet, row, 2, value)
            row += 1
        row += 1


def write_xlsx(report: Report, path: Path) -> None:
    workbook = Workbook()
    workbook.properties.title = report.title
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    _rows_sheet(sheet, report)
    _summary_sheet(workbook.create_sheet(report.summary_title), report)
    workbook.save(path)
