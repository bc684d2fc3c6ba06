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
from datetime import date, datetime, time
from pathlib import Path
from xml.parsers import expat

from core.catalog.columns import ALL_COLUMNS
from core.catalog.csv_io import CatalogParseResult, catalog_row, parse_catalog, parse_catalog_rows
from core.catalog.entry import ServiceEntry
from core.catalog.problems import RowError

SHEET_NAME = "服务目录"
# Spreadsheet widths in characters (a CJK character counts as two), one per ALL_COLUMNS entry.
_WIDTHS = {
    "description": 48, "keywords": 30, "organization": 24, "communities": 24, "eligibility": 24,
    "phone": 16, "address": 30, "hours": 20, "fee": 16,
}  # fmt: skip
_DEFAULT_WIDTH = 14
# What the parts of a workbook may add up to once unpacked: a catalogue of 10,000 services is a few tens of
# megabytes of XML; a small file that unpacks to gigabytes is a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Rows read from a sheet, besides the services themselves (title rows, blank rows, notes), when a limit is set.
_SLACK_ROWS = 1000


class WorkbookError(ValueError):
    """The file is not a workbook that can be read; `key` names the reason in the locale catalogues."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_catalog_file(path: str | Path) -> CatalogParseResult:
    """A catalogue file of either format, by its extension: .xlsx (any case) is a workbook, anything else is
    read as CSV. Raises what the reader raises: OSError, WorkbookError."""
    return parse_catalog_xlsx(path) if Path(path).suffix.lower() == ".xlsx" else parse_catalog(path)


def cell_text(value: object) -> str:
    """A cell as the text a CSV would hold: None is empty, 1001 and 1001.0 are both "1001", TRUE is "TRUE",
    a time 08:30, a date 2026-11-28."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()  # what Excel shows; `active` reads it as true/false
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: a typed id 1001 must not become "1001.0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else value.date().isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse_catalog_xlsx(path: str | Path) -> CatalogParseResult:
    """Parse a catalogue workbook file. A missing file raises OSError, a file that is not a workbook
    WorkbookError; bad content is reported in the result, not raised."""
    return parse_catalog_xlsx_bytes(Path(path).read_bytes())


def parse_catalog_xlsx_bytes(data: bytes, *, max_rows: int | None = None) -> CatalogParseResult:
    """Parse catalogue workbook bytes (e.g. a document sent to the bot): the first worksheet only. Cells to the
    right of the header are notes beside the table, ignored."""
    limit = None if max_rows is None else max_rows + _SLACK_ROWS
    return parse_catalog_rows(_first_sheet_rows(data, limit), notes_beside=True, max_rows=max_rows)


def _first_sheet_rows(data: bytes, limit: int | None) -> list[tuple[int, list[str]] | RowError]:
    from openpyxl import load_workbook

    workbook = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise WorkbookError("catalog.error.xlsx_too_big")
            _refuse_dtd(archive)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        if not workbook.worksheets:
            raise WorkbookError("catalog.error.no_sheet")
        sheet = workbook.worksheets[0]
        # The stored size can be wrong (some programs write A1:A1): read every row that is really there.
        sheet.reset_dimensions()
        rows: list[tuple[int, list[str]] | RowError] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if limit is not None and number > limit:
                rows.append(RowError.of(number, "catalog.error.too_many_rows", limit=limit))
                break
            rows.append((number, [cell_text(value) for value in values]))
        return rows
    except WorkbookError:
        raise
    except Exception as exc:
        # A broken workbook fails anywhere inside openpyxl, with whatever it meets first (BadZipFile, KeyError,
        # IndexError, XML ParseError ...), and the sheet is only parsed while its rows are read. Whatever it is,
        # the file cannot be read: one clear line, never a traceback.
        raise WorkbookError("catalog.error.not_xlsx") from exc
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
        raise WorkbookError("catalog.error.xlsx_dtd")

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
