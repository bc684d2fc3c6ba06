"""Choosing a writer by format name, and a default file name that says what the file is."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from core.exports.csv_out import write_csv
from core.exports.html_out import write_html
from core.exports.report import Report


def _write_xlsx(report: Report, path: Path) -> None:
    # openpyxl is imported only when a workbook is asked for: every `sanshe` command imports this module.
    from core.exports.xlsx_out import write_xlsx

    write_xlsx(report, path)


WRITERS: dict[str, Callable[[Report, Path], None]] = {"csv": write_csv, "xlsx": _write_xlsx, "html": write_html}
FORMATS = tuple(WRITERS)


class UnknownFormat(ValueError):
    pass


def check_format(name: str) -> str:
    fmt = name.strip().lower().lstrip(".")
    if fmt not in WRITERS:
        raise UnknownFormat(f"未知格式 / unknown format {name!r} (use {'|'.join(FORMATS)})")
    return fmt


def format_of(path: Path) -> str | None:
    """The format a file name asks for (".xlsx" → "xlsx"), or None."""
    fmt = path.suffix.lower().lstrip(".")
    return fmt if fmt in WRITERS else None


def write_report(report: Report, path: Path, fmt: str) -> None:
    WRITERS[check_format(fmt)](report, path)


def default_file_name(*parts: str, fmt: str) -> str:
    """e.g. 阳光社区_居民需求册_20261101-20261130.xlsx; characters a file system rejects become "_"."""
    stem = "_".join(re.sub(r'[\\/:*?"<>|\s]+', "_", p).strip("_") for p in parts if p)
    return f"{stem}.{fmt}"
