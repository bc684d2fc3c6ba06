"""A printable report as plain data: one table of rows and a few summary sections.

Builders (needs.py, directory.py) produce a Report; writers (csv_out, xlsx_out, html_out) only lay it out,
so every format shows the same columns and the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# datetime cells are local, naive times: each writer formats them the way its readers sort best.
Cell = str | int | float | datetime | None


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in characters, for the spreadsheet (a CJK character counts as two)
    number_format: str | None = None  # the spreadsheet's format for its numbers (yuan: "#,##0.00")


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # Rows come sorted by this column; the printed page starts a heading whenever its value changes.
    group_column: int | None = None
    empty_text: str = "（无）"

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


@dataclass(frozen=True)
class Section:
    """A small two-column summary table such as 按类别 / 数量."""

    title: str
    headers: tuple[str, str]
    rows: tuple[tuple[str, Cell], ...]


@dataclass(frozen=True)
class Report:
    title: str  # e.g. "阳光社区 居民需求册"
    subtitle: str  # the period, or what the list covers
    generated_at: datetime  # local, naive
    sheet_name: str
    table: Table
    summary: tuple[Section, ...] = ()
    summary_title: str = "汇总"
    landscape: bool = False  # printed across the page (a wide table such as the service directory)


def zh_date(value: datetime) -> str:
    """2026年11月28日 — the long Chinese date, without Babel so that core needs no locale data."""
    return f"{value.year}年{value.month}月{value.day}日"


def zh_datetime(value: datetime) -> str:
    return f"{zh_date(value)} {value:%H:%M}"


def sortable_datetime(value: datetime) -> str:
    """2026-11-28 10:16: sorts as text and Excel reads it as a date-time when it opens a CSV."""
    return f"{value:%Y-%m-%d %H:%M}"
