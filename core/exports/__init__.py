"""Printable reports for community staff: the needs book and the service directory (CSV, XLSX, HTML).

Builders turn storage facts into a plain Report; writers lay it out. No Telegram, no SQL here.
"""

from core.exports.directory import build_directory, service_directory
from core.exports.needs import UNMATCHED, build_needs_book, needs_book
from core.exports.period import Period, PeriodError, make_period, parse_day
from core.exports.report import Cell, Column, Report, Section, Table
from core.exports.writers import FORMATS, UnknownFormat, check_format, default_file_name, format_of, write_report

__all__ = [
    "FORMATS",
    "UNMATCHED",
    "Cell",
    "Column",
    "Period",
    "PeriodError",
    "Report",
    "Section",
    "Table",
    "UnknownFormat",
    "build_directory",
    "build_needs_book",
    "check_format",
    "default_file_name",
    "format_of",
    "make_period",
    "needs_book",
    "parse_day",
    "service_directory",
    "write_report",
]
