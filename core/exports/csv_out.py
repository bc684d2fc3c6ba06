"""CSV for Excel: UTF-8 with a BOM (without it Excel reads Chinese as GBK and shows mojibake), the
"excel" dialect (CRLF, quotes only where needed, embedded quotes doubled), rows first so that Excel's
sort and filter see one block, then a blank line and the summary."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from core.exports.report import Cell, Report, sortable_datetime

# A cell that starts with one of these is run as a formula by Excel ("CSV injection"); residents type
# the need text, so such text is prefixed with an apostrophe, which Excel shows as plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet may run `text` as a formula: it starts with a tab or CR, or its first character
    after any leading whitespace is = + - @ in any width (full-width ＝＋－＠, small ﹦﹢﹣﹫: NFKC folds them to
    ASCII, as a Chinese IME or a spreadsheet's own input may)."""
    if text.startswith(_FORMULA_START):
        return True
    stripped = text.lstrip()
    return bool(stripped) and unicodedata.normalize("NFKC", stripped[0]).startswith(_FORMULA_START)


def csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return sortable_datetime(value)
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    if isinstance(value, str) and looks_like_formula(text):
        return "'" + text
    return text


def _lines(report: Report) -> Iterable[list[str]]:
    yield list(report.table.headers)
    for row in report.table.rows:
        yield [csv_text(v) for v in row]
    if report.summary:
        yield []
        yield [report.summary_title, report.title, report.subtitle]
    for section in report.summary:
        yield []
        yield [section.title]
        yield list(section.headers)
        for label, value in section.rows:
            yield [label, csv_text(value)]


def write_csv(report: Report, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, dialect="excel").writerows(_lines(report))
