"""Read and write the service catalogue as an Excel workbook (.xlsx), for staff who keep it in Excel.

Reading takes the first worksheet, turns every cell into the text a CSV would hold and sends the rows through
the same checks as CSV (`parse_catalog_rows`), with the Excel row number as the line number. Writing lays the
CSV's columns out with the report workbook writer (core.exports.xlsx_out).

openpyxl is imported only when a workbook is read or written: every `sanshe` command imports core.catalog.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from xml.parsers import expat

from core.catalog.csv_io import ALL_COLUMNS, CatalogParseResult, catalog_row, parse_catalog, parse_catalog_rows
from core.catalog.entry import ServiceEntry

SHEET_NAME = "服务目录"
# Spreadsheet widths in characters (a CJK character counts as two), one per ALL_COLUMNS entry.
_WIDTHS = {"description": 48, "keywords": 30, "organization": 24, "communities": 24, "eligibility": 24}
_DEFAULT_WIDTH = 14


_NOT_A_WORKBOOK = "文件不是有效的 Excel 工作簿（.xlsx），请在 Excel 中另存为 .xlsx / not a valid .xlsx workbook"
_HAS_DTD = "文件不是有效、安全的 Excel 工作簿（含 DTD），请在 Excel 中另存为 .xlsx / not a valid or safe .xlsx (DTD)"


class WorkbookError(ValueError):
    """The file is not a workbook that can be read; the message is one bilingual line, Chinese first."""


def parse_catalog_file(path: str | Path) -> CatalogParseResult:
    """A catalogue file of either format, by its extension: .xlsx (any case) is a workbook, anything else is
    read as CSV. Raises what the reader raises: OSError, WorkbookError."""
    return parse_catalog_xlsx(path) if Path(path).suffix.lower() == ".xlsx" else parse_catalog(path)


def cell_text(value: object) -> str:
    """A cell as the text a CSV would hold: None is empty, 1001 and 1001.0 are both "1001", TRUE is "TRUE"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()  # what Excel shows; `active` reads it as true/false
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: a typed id 1001 must not become "1001.0"
    return str(value)


def parse_catalog_xlsx(path: str | Path) -> CatalogParseResult:
    """Parse a catalogue workbook file. A missing file raises OSError, a file that is not a workbook
    WorkbookError; bad content is reported in the result, not raised."""
    return parse_catalog_xlsx_bytes(Path(path).read_bytes())


def parse_catalog_xlsx_bytes(data: bytes) -> CatalogParseResult:
    """Parse catalogue workbook bytes (e.g. a document uploaded to the bot): the first worksheet only."""
    return parse_catalog_rows(_from_header(_first_sheet_rows(data)))


def _first_sheet_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    workbook = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _refuse_dtd(archive)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if not workbook.worksheets:
            raise WorkbookError("工作簿里没有工作表 / the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        # The stored size can be wrong (some programs write A1:A1): read every row that is really there.
        sheet.reset_dimensions()
        return [
            (number, [cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    except WorkbookError:
        raise
    except Exception as exc:
        # A broken workbook fails anywhere inside openpyxl, with whatever it meets first (BadZipFile, KeyError,
        # IndexError, XML ParseError ...), and the sheet is only parsed while its rows are read. Whatever it is,
        # the file cannot be read: one clear line, never a traceback.
        raise WorkbookError(_NOT_A_WORKBOOK) from exc
    finally:
        if workbook is not None:
            workbook.close()


class _PrologEnd(Exception):
    """The root element started: no DTD can come after it."""


def _refuse_dtd(archive: zipfile.ZipFile) -> None:
    """Raise WorkbookError if any XML part declares a DTD. Excel never writes one; a DTD is how entity expansion
    ("billion laughs") and external entities get in, and openpyxl reads them as they are unless defusedxml is
    installed. Only each part's prolog is parsed (expat, so any encoding the part declares is understood)."""

    def doctype(*_: object) -> None:
        raise WorkbookError(_HAS_DTD)

    def root(*_: object) -> None:
        raise _PrologEnd

    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = doctype
        parser.StartElementHandler = root
        with archive.open(info) as part:
            try:
                parser.ParseFile(part)
            except _PrologEnd:
                continue


def _from_header(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The rows from the first non-empty one (the header) on. The header is padded to the widest row, so that a
    note typed beside the table is an unnamed (ignored) column, as in a CSV, not a cell beyond the header."""
    start = next((i for i, (_, cells) in enumerate(rows) if any(cell.strip() for cell in cells)), None)
    if start is None:
        return []
    rows = rows[start:]
    width = max(len(cells) for _, cells in rows)
    header_line, header = rows[0]
    return [(header_line, header + [""] * (width - len(header))), *rows[1:]]


def write_catalog_xlsx(path: str | Path, entries: Iterable[ServiceEntry], generated_at: datetime) -> None:
    """Write entries as a workbook parse_catalog_xlsx reads back: the CSV's columns on the first sheet (bold,
    frozen header with a filter), a second sheet saying when it was made. `generated_at` is local, naive."""
    from core.exports.report import Column, Report, Table
    from core.exports.xlsx_out import write_xlsx

    columns = tuple(Column(name, _WIDTHS.get(name, _DEFAULT_WIDTH)) for name in ALL_COLUMNS)
    rows = tuple(tuple(catalog_row(entry)) for entry in entries)
    report = Report(
        title="服务目录 service catalogue",
        subtitle=f"共 {len(rows)} 项服务 / {len(rows)} services",
        generated_at=generated_at,
        sheet_name=SHEET_NAME,
        table=Table(columns, rows),
    )
    write_xlsx(report, Path(path))
