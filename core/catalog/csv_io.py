"""Read and write the service catalogue as CSV (UTF-8, BOM optional on input, written with BOM).

Parsing never raises on bad content: it collects every problem with its physical line number so staff
can fix the whole spreadsheet in one go. Importing is all-or-nothing for the caller: `result.ok`.
The row checks (`parse_catalog_rows`) and the row layout (`catalog_row`) are shared with xlsx.py.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.catalog.categories import category_by_code, resolve_category, valid_category_names
from core.catalog.entry import MAX_NAME_LEN, MAX_SERVICE_ID_LEN, ServiceEntry

REQUIRED_COLUMNS: tuple[str, ...] = ("service_id", "name", "category")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "description",
    "keywords",
    "organization",
    "communities",
    "eligibility",
    "active",  # not in the original template; written so that write → parse round-trips
)
ALL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Staff type lists in Excel with whichever separator their keyboard gives them.
_LIST_SEPARATORS = re.compile(r"[;；、]")
_TRUE_WORDS = frozenset({"", "1", "true", "yes", "y", "是", "启用", "有效"})
_FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "停用", "无效"})


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based physical line in the file (the header is line 1), or the Excel row number
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行 / line {self.line}: {self.reason}"


@dataclass
class CatalogParseResult:
    entries: list[ServiceEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file may be imported: no errors at all (warnings are fine)."""
        return not self.errors


def split_list(value: str) -> tuple[str, ...]:
    """Split a cell on `;`, `；` or `、`, trimming items and dropping empty and repeated ones."""
    items = (item.strip() for item in _LIST_SEPARATORS.split(value))
    return tuple(dict.fromkeys(item for item in items if item))


def parse_catalog(path: str | Path) -> CatalogParseResult:
    """Parse a catalogue CSV file. A missing file raises OSError; bad content is reported, not raised."""
    return parse_catalog_bytes(Path(path).read_bytes())


def parse_catalog_bytes(data: bytes) -> CatalogParseResult:
    """Parse catalogue bytes (e.g. a document uploaded to the bot)."""
    reason = "文件不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8” / file is not UTF-8: save as 'CSV UTF-8'"
    # A NUL byte is valid UTF-8 but never in a text CSV: it is UTF-16 ("Unicode text") or a binary file.
    nul = data.find(b"\x00")
    if nul >= 0:
        return CatalogParseResult(errors=[RowError(data[:nul].count(b"\n") + 1, reason)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return CatalogParseResult(errors=[RowError(line, reason)])
    return parse_catalog_text(text)


def parse_catalog_text(text: str) -> CatalogParseResult:
    """Parse catalogue text; a leading BOM is tolerated."""
    return parse_catalog_rows(_csv_rows(text.removeprefix("\ufeff")))


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
        yield RowError(previous_line_num + 1, _csv_error_reason(exc))


def _csv_error_reason(exc: csv.Error) -> str:
    if "field limit" in str(exc):  # the csv module's own cap, csv.field_size_limit() characters per cell
        limit = csv.field_size_limit()
        return f"单元格超过 {limit} 个字符（引号没有配对？）/ cell longer than {limit} characters (unpaired quote?)"
    return '引号没有配对（值里的引号要写成两个 ""）/ unpaired quote: write a quote inside a value as ""'


def parse_catalog_rows(rows: Iterable[tuple[int, Sequence[str]] | RowError]) -> CatalogParseResult:
    """The checks every file format goes through: the first row is the header, every row comes with the
    line number its errors are reported by (the CSV line, or the Excel row). A RowError in place of a row is
    a row the reader could not read: it is reported as it is."""
    result = CatalogParseResult()
    numbered = iter(rows)
    first = next(numbered, (1, None))
    if isinstance(first, RowError):
        result.errors.append(first)
        return result
    header_line, header = first
    if header is None or not any(cell.strip() for cell in header):
        result.errors.append(RowError(header_line, "文件为空或缺少表头 / empty file or missing header row"))
        return result
    columns = _read_header(header, header_line, result)
    if not result.ok:
        return result

    first_line_of_id: dict[str, int] = {}
    for numbered_row in numbered:
        if isinstance(numbered_row, RowError):
            result.errors.append(numbered_row)
            continue
        line, row = numbered_row
        if not any(cell.strip() for cell in row):
            continue
        entry, problems = _parse_row(row, columns, first_line_of_id, line)
        if problems:
            result.errors.append(RowError(line, "；".join(problems)))
        elif entry is not None:
            first_line_of_id[entry.service_id] = line
            result.entries.append(entry)
    if result.ok and not result.entries:
        result.warnings.append("目录中没有任何服务 / the catalogue has no services")
    return result


def _read_header(header: Sequence[str], line: int, result: CatalogParseResult) -> list[str | None]:
    """Column name per position (None = ignored); records missing/duplicate/unknown columns."""
    columns: list[str | None] = []
    for cell in header:
        name = cell.strip().lower()
        if name in ALL_COLUMNS and name in columns:
            result.errors.append(RowError(line, f"列 '{name}' 重复 / duplicate column '{name}'"))
            columns.append(None)
        elif name in ALL_COLUMNS:
            columns.append(name)
        else:
            if name:
                result.warnings.append(f"未知列 '{cell.strip()}' 已忽略 / unknown column '{cell.strip()}' ignored")
            columns.append(None)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        names = ", ".join(missing)
        result.errors.append(RowError(line, f"缺少必填列 {names} / missing required column(s): {names}"))
    return columns


def _parse_row(
    row: Sequence[str], columns: list[str | None], first_line_of_id: dict[str, int], line: int
) -> tuple[ServiceEntry | None, list[str]]:
    problems: list[str] = []
    extra = [cell for cell in row[len(columns) :] if cell.strip()]
    if extra:
        problems.append(
            f"多出 {len(extra)} 个单元格（值里有逗号请加引号）/ "
            f"{len(extra)} extra cell(s): quote values that contain commas"
        )
    cells = {name: value.strip() for name, value in zip(columns, row, strict=False) if name is not None}

    service_id = cells.get("service_id", "")
    if not service_id:
        problems.append("service_id 为空 / empty service_id")
    elif len(service_id) > MAX_SERVICE_ID_LEN:
        problems.append(f"service_id 超过 {MAX_SERVICE_ID_LEN} 个字符 / service_id too long")
    elif any(ch.isspace() for ch in service_id):
        problems.append(f"service_id '{service_id}' 含空格 / service_id contains whitespace")
    elif service_id in first_line_of_id:
        earlier = first_line_of_id[service_id]
        problems.append(f"service_id '{service_id}' 与第 {earlier} 行重复 / duplicate of line {earlier}")

    name = cells.get("name", "")
    if not name:
        problems.append("名称为空 / empty name")
    elif len(name) > MAX_NAME_LEN:
        problems.append(f"名称超过 {MAX_NAME_LEN} 个字符（{len(name)}）/ name too long ({len(name)} > {MAX_NAME_LEN})")

    raw_category = cells.get("category", "")
    category = resolve_category(raw_category)
    if category is None:
        shown = raw_category or "（空 / empty）"
        problems.append(f"未知类别 '{shown}'，可选：{valid_category_names()} / unknown category")

    active_text = cells.get("active", "").lower()
    if active_text not in _TRUE_WORDS | _FALSE_WORDS:
        problems.append(f"active 值 '{active_text}' 无效，请填 1 或 0 / active must be 1 or 0")

    if problems or category is None:
        return None, problems
    entry = ServiceEntry(
        service_id=service_id,
        name=name,
        category=category.code,
        description=cells.get("description", ""),
        keywords=split_list(cells.get("keywords", "")),
        organization=cells.get("organization") or None,
        communities=split_list(cells.get("communities", "")),
        eligibility=cells.get("eligibility", ""),
        active=active_text not in _FALSE_WORDS,
    )
    return entry, []


def catalog_row(entry: ServiceEntry) -> list[str]:
    """One service as the cells of a row under ALL_COLUMNS: what every writer writes and the parser reads back."""
    return [
        entry.service_id,
        entry.name,
        category_by_code(entry.category).code,
        entry.description,
        ";".join(entry.keywords),
        entry.organization or "",
        ";".join(entry.communities),
        entry.eligibility,
        "1" if entry.active else "0",
    ]


def write_catalog_csv(path: str | Path, entries: Iterable[ServiceEntry]) -> None:
    """Write entries in the format parse_catalog reads, with a BOM so Excel shows Chinese correctly."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ALL_COLUMNS)
        writer.writerows(catalog_row(entry) for entry in entries)
