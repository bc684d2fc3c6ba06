"""Read and write the service catalogue as CSV (UTF-8, BOM optional on input, written with BOM).

Parsing never raises on bad content: it collects every problem with the row number the person sees, so staff
can fix the whole spreadsheet in one go. Importing is all-or-nothing for the caller: `result.ok`.
The row checks (`parse_catalog_rows`) and the row layout (`catalog_row`) are shared with xlsx.py.
Problems are locale keys with values (core.catalog.problems), rendered in the reader's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from core.catalog.categories import MAX_CATEGORY_LEN, clean_name, resolve_category
from core.catalog.columns import ALL_COLUMNS, REQUIRED_COLUMNS, column_of, looks_like_header
from core.catalog.entry import MAX_NAME_LEN, MAX_SERVICE_ID_LEN, ServiceEntry
from core.catalog.problems import Problem, RowError

__all__ = [
    "ALL_COLUMNS",
    "CatalogParseResult",
    "RowError",
    "catalog_row",
    "parse_active",
    "parse_catalog",
    "parse_catalog_bytes",
    "parse_catalog_rows",
    "parse_catalog_text",
    "restore_phone",
    "split_list",
    "write_catalog_csv",
]

# Staff type lists in Excel with whichever separator their keyboard gives them, or one item per line.
_LIST_SEPARATORS = re.compile(r"[,，;；、\r\n]")
_TRUE_WORDS = frozenset({"", "1", "true", "yes", "y", "是", "启用", "有效", "在用", "正常", "开", "√", "✓"})
_FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "停用", "无效", "禁用", "已停用", "关", "×", "✗"})
# How far down a sheet the header row is looked for, past title rows.
HEADER_SEARCH_ROWS = 20
# Our own service directory, saved as CSV, ends its table with a blank row and then its summary.
_SUMMARY_TITLE = "汇总"


@dataclass
class CatalogParseResult:
    entries: list[ServiceEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # service_id → the row it was read from

    @property
    def ok(self) -> bool:
        """True when the file may be imported: no errors at all (warnings are fine)."""
        return not self.errors


def split_list(value: str) -> tuple[str, ...]:
    """Split a cell on `,` `，` `;` `；` `、` or line breaks, trimming items and dropping empty and repeated ones."""
    items = (item.strip() for item in _LIST_SEPARATORS.split(value))
    return tuple(dict.fromkeys(item for item in items if item))


def parse_active(text: str) -> bool | None:
    """是/否, 1/0, yes/no, true/false, 启用/停用 … in any case; blank is active; None for anything else."""
    word = text.strip().casefold()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def restore_phone(text: str) -> str:
    """A phone number as written, except one that lost its leading zero on the way: Excel keeps 073184567890
    typed as a number as 73184567890. Such a number (digits only, not a mobile number, too long for a local
    one) gets its zero back and the dash after the area code: 0731-84567890, 010-12345678."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or not 9 <= len(digits) <= 11:
        return text.strip()
    if digits.startswith("10") and len(digits) == 10:  # Beijing, 010
        return f"0{digits[:2]}-{digits[2:]}"
    if digits.startswith("1") or digits.startswith("0"):
        return digits  # a mobile number (11 digits from 1) or already whole
    # Area codes 02x have two digits after the zero, all others three (0731, 0851 …).
    area = 2 if digits.startswith("2") else 3
    return f"0{digits[:area]}-{digits[area:]}"


def parse_catalog(path: str | Path, *, max_rows: int | None = None) -> CatalogParseResult:
    """Parse a catalogue CSV file. A missing file raises OSError; bad content is reported, not raised."""
    return parse_catalog_bytes(Path(path).read_bytes(), max_rows=max_rows)


def parse_catalog_bytes(data: bytes, *, max_rows: int | None = None) -> CatalogParseResult:
    """Parse catalogue bytes (e.g. a document sent to the bot)."""
    # A NUL byte is valid UTF-8 but never in a text CSV: it is UTF-16 ("Unicode text") or a binary file.
    nul = data.find(b"\x00")
    if nul >= 0:
        return CatalogParseResult(errors=[RowError.of(data[:nul].count(b"\n") + 1, "catalog.error.not_utf8")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return CatalogParseResult(errors=[RowError.of(line, "catalog.error.not_utf8")])
    return parse_catalog_text(text, max_rows=max_rows)


def parse_catalog_text(text: str, *, max_rows: int | None = None) -> CatalogParseResult:
    """Parse catalogue text; a leading BOM is tolerated."""
    return parse_catalog_rows(_csv_rows(text.removeprefix("\ufeff")), max_rows=max_rows)


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]] | RowError]:
    """Each CSV row with the physical line it starts on; a row the csv module cannot read ends the file
    as a RowError on that line."""
    # strict: a quote left open would otherwise swallow every later row into one cell without a word.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_line_num = 0
    try:
        for row in reader:
            # A quoted cell may span lines: the row starts right after the previous one ended.
            yield previous_line_num + 1, row
            previous_line_num = reader.line_num
    except csv.Error as exc:
        # The reader is lost after this (it may be inside a quote), so nothing after it is read.
        yield _csv_error(previous_line_num + 1, exc)


def _csv_error(line: int, exc: csv.Error) -> RowError:
    if "field limit" in str(exc):  # the csv module's own cap, csv.field_size_limit() characters per cell
        return RowError.of(line, "catalog.error.cell_too_long", limit=csv.field_size_limit())
    return RowError.of(line, "catalog.error.unpaired_quote")


def _blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def parse_catalog_rows(
    rows: Iterable[tuple[int, Sequence[str]] | RowError], *, notes_beside: bool = False, max_rows: int | None = None
) -> CatalogParseResult:
    """The checks every file format goes through. Every row comes with the number its errors are reported by
    (the CSV line, or the Excel row); a RowError in place of a row is a row the reader could not read.

    The header is the first row that names catalogue columns, within the first HEADER_SEARCH_ROWS non-empty
    rows (title rows above it are skipped), else the first non-empty row. `notes_beside`: cells to the right of
    the header are notes, ignored (a sheet); otherwise they are an error (a CSV value with an unquoted comma).
    `max_rows`: more services than this is an error on the first row too many, and reading stops there."""
    result = CatalogParseResult()
    numbered = iter(rows)
    seen: list[tuple[int, Sequence[str]]] = []
    header_at: int | None = None
    for item in numbered:
        if isinstance(item, RowError):
            result.errors.append(item)
            return result
        if _blank(item[1]):
            continue
        seen.append(item)
        if looks_like_header(item[1]):
            header_at = len(seen) - 1
            break
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        result.errors.append(RowError.of(1, "catalog.error.empty_file"))
        return result
    header_at = header_at or 0
    header_line, header = seen[header_at]
    columns = _read_header(header, header_line, result)
    if not result.ok:
        return result

    first_line_of_id: dict[str, int] = {}
    count = 0
    after_blank = False
    for numbered_row in chain(seen[header_at + 1 :], numbered):
        if isinstance(numbered_row, RowError):
            result.errors.append(numbered_row)
            continue
        line, row = numbered_row
        if _blank(row):
            after_blank = count > 0
            continue
        if after_blank and row[0].strip() == _SUMMARY_TITLE:
            break
        after_blank = False
        count += 1
        if max_rows is not None and count > max_rows:
            result.errors.append(RowError.of(line, "catalog.error.too_many_rows", limit=max_rows))
            break
        entry, problems = _parse_row(row, columns, first_line_of_id, line, notes_beside)
        if problems:
            result.errors.append(RowError(line, tuple(problems)))
        elif entry is not None:
            first_line_of_id[entry.service_id] = line
            result.lines[entry.service_id] = line
            result.entries.append(entry)
    if result.ok and not result.entries:
        result.warnings.append(Problem("catalog.warning.no_services"))
    return result


def _read_header(header: Sequence[str], line: int, result: CatalogParseResult) -> list[str | None]:
    """Column key per position (None = ignored); records missing/duplicate/unknown columns."""
    columns: list[str | None] = []
    first_cell: dict[str, str] = {}
    problems: list[Problem] = []
    for cell in header:
        column = column_of(cell)
        if column is not None and column in first_cell:
            problems.append(
                Problem("catalog.error.duplicate_column", {"column": cell.strip(), "first": first_cell[column]})
            )
            columns.append(None)
        elif column is not None:
            first_cell[column] = cell.strip()
            columns.append(column)
        else:
            if cell.strip():
                result.warnings.append(Problem("catalog.warning.unknown_column", {"column": cell.strip()}))
            columns.append(None)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(Problem("catalog.error.missing_columns", {"columns": ", ".join(missing)}))
    if problems:
        result.errors.append(RowError(line, tuple(problems)))
    return columns


def _parse_row(
    row: Sequence[str], columns: list[str | None], first_line_of_id: dict[str, int], line: int, notes_beside: bool
) -> tuple[ServiceEntry | None, list[Problem]]:
    problems: list[Problem] = []
    extra = [cell for cell in row[len(columns) :] if cell.strip()]
    if extra and not notes_beside:
        problems.append(Problem("catalog.error.extra_cells", {"count": len(extra)}))
    cells = {name: value.strip() for name, value in zip(columns, row, strict=False) if name is not None}

    service_id = cells.get("service_id", "")
    if not service_id:
        problems.append(Problem("catalog.error.empty_id"))
    elif len(service_id) > MAX_SERVICE_ID_LEN:
        problems.append(Problem("catalog.error.id_too_long", {"limit": MAX_SERVICE_ID_LEN}))
    elif any(ch.isspace() for ch in service_id):
        problems.append(Problem("catalog.error.id_whitespace", {"id": service_id}))
    elif service_id in first_line_of_id:
        problems.append(Problem("catalog.error.duplicate_id", {"id": service_id, "line": first_line_of_id[service_id]}))

    name = cells.get("name", "")
    if not name:
        problems.append(Problem("catalog.error.empty_name"))
    elif len(name) > MAX_NAME_LEN:
        problems.append(Problem("catalog.error.name_too_long", {"length": len(name), "limit": MAX_NAME_LEN}))

    categories, category_problems = _categories(cells.get("category", ""))
    problems.extend(category_problems)

    active = parse_active(cells.get("active", ""))
    if active is None:
        problems.append(Problem("catalog.error.bad_active", {"value": cells.get("active", "")}))

    if problems or active is None or not categories:
        return None, problems
    entry = ServiceEntry(
        service_id=service_id,
        name=name,
        category=categories[0],
        description=cells.get("description", ""),
        keywords=split_list(cells.get("keywords", "")),
        organization=cells.get("organization") or None,
        communities=split_list(cells.get("communities", "")),
        eligibility=cells.get("eligibility", ""),
        active=active,
        other_categories=categories[1:],
        phone=restore_phone(cells.get("phone", "")),
        address=cells.get("address", ""),
        hours=cells.get("hours", ""),
        fee=cells.get("fee", ""),
    )
    return entry, []


def _categories(cell: str) -> tuple[tuple[str, ...], list[Problem]]:
    """Category codes of a cell such as "为老服务;助残": a built-in one by its code, or a new one by its name."""
    names = split_list(cell)
    if not names:
        return (), [Problem("catalog.error.empty_category")]
    codes: list[str] = []
    problems: list[Problem] = []
    for name in names:
        builtin = resolve_category(name)
        code = builtin.code if builtin else clean_name(name)
        if builtin is None and len(code) > MAX_CATEGORY_LEN:
            problems.append(Problem("catalog.error.category_too_long", {"category": code, "limit": MAX_CATEGORY_LEN}))
        elif code not in codes:
            codes.append(code)
    return tuple(codes), problems


def catalog_row(entry: ServiceEntry) -> list[str]:
    """One service as the cells of a row under ALL_COLUMNS: what every writer writes and the parser reads back."""
    return [
        entry.service_id,
        entry.name,
        ";".join(entry.categories),
        entry.description,
        ";".join(entry.keywords),
        entry.organization or "",
        ";".join(entry.communities),
        entry.eligibility,
        entry.phone,
        entry.address,
        entry.hours,
        entry.fee,
        "1" if entry.active else "0",
    ]


def write_catalog_csv(path: str | Path, entries: Iterable[ServiceEntry]) -> None:
    """Write entries in the format parse_catalog reads, with a BOM so Excel shows Chinese correctly."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ALL_COLUMNS)
        writer.writerows(catalog_row(entry) for entry in entries)
