"""Catalogue workbooks (core.catalog.xlsx): real .xlsx files built with openpyxl, read through the CSV checks."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.cli_catalog import in_both, row_line
from core.catalog import (
    ServiceEntry,
    WorkbookError,
    parse_catalog_file,
    parse_catalog_text,
    parse_catalog_xlsx,
    parse_catalog_xlsx_bytes,
    write_catalog_xlsx,
)
from core.catalog.csv_io import ALL_COLUMNS
from core.catalog.xlsx import cell_text

GENERATED = datetime(2026, 11, 28, 10, 16)


def workbook(tmp_path: Path, rows: list[list[object]], *, name: str = "catalog.xlsx", first: str = "目录") -> Path:
    """A workbook whose first sheet holds `rows` from A1 on, and a second sheet that must be ignored."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = first
    for row in rows:
        sheet.append(row)
    other = book.create_sheet("备注")
    other.append(["service_id", "name", "category"])
    other.append(["X1", "不该导入", "为老"])
    path = tmp_path / name
    book.save(path)
    return path


def test_write_then_parse_round_trips(tmp_path: Path) -> None:
    entries = [
        ServiceEntry("S1", "助餐, 送餐", "elderly", 'say "hi"\nline two', ("送餐", "送饭"), "安康站", ("阳光社区",)),
        ServiceEntry("S2", "法律咨询", "legal", eligibility="本区居民", active=False),
        ServiceEntry("1001", "=不是公式", "health", keywords=("体检",), communities=("桂花社区", "阳光社区")),
    ]
    path = tmp_path / "out.xlsx"
    write_catalog_xlsx(path, entries, GENERATED)
    result = parse_catalog_xlsx(path)
    assert result.ok, result.errors
    assert result.warnings == []
    assert result.entries == entries
    # The same layout as the CSV: the header row is exactly the CSV's columns, on the first sheet.
    sheet = load_workbook(path, read_only=True).worksheets[0]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header == ALL_COLUMNS


def test_numbers_none_and_whitespace_become_the_text_a_csv_would_hold(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            ["service_id", "name", "category", "keywords", "communities", "active"],
            [1001, "  助餐送餐 ", " 为老", "送餐；送饭、助餐", "阳光社区; 桂花社区", None],
            [1002.0, "理发", "elderly", None, None, 0],
            [" S3 ", "家电维修", "家政维修", 42, "阳光社区", False],
        ],
    )
    result = parse_catalog_xlsx(path)
    assert result.ok, result.errors
    first, second, third = result.entries
    assert first == ServiceEntry(
        "1001", "助餐送餐", "elderly", keywords=("送餐", "送饭", "助餐"), communities=("阳光社区", "桂花社区")
    )
    assert (second.service_id, second.keywords, second.communities, second.active) == ("1002", (), (), False)
    assert (third.service_id, third.keywords, third.active) == ("S3", ("42",), False)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (1001, "1001"), (1001.0, "1001"), (2.5, "2.5"), (True, "TRUE"), (False, "FALSE"), (" a ", " a ")],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_a_bad_row_is_reported_by_its_excel_row_and_nothing_is_parsed(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            [],  # the header is the first non-empty row, wherever it is
            [None, None],
            ["service_id", "name", "category", "colour"],
            ["N1", "修水管", "家政维修", "red"],
            [],
            [None, "无名", "为老"],
            ["N3", "长" * 61, "为老"],
            [1001, "理发", "为老"],
            [1001.0, "洗澡", "为老"],
        ],
    )
    result = parse_catalog_xlsx(path)
    assert not result.ok
    assert [e.line for e in result.errors] == [6, 7, 9]
    assert row_line(result.errors[0]).startswith("第 6 行：") and "line 6: empty service_id" in row_line(
        result.errors[0]
    )
    assert "name too long (61 characters" in row_line(result.errors[1])
    assert "与第 8 行重复" in row_line(result.errors[2])  # 1001 and 1001.0 are one id
    assert "duplicate of line 8" in row_line(result.errors[2])
    assert any("colour" in in_both(w.render) for w in result.warnings)  # the same unknown-column warning as CSV


def test_header_problems_are_reported_on_the_header_row(tmp_path: Path) -> None:
    path = workbook(tmp_path, [[], ["service_id", "名字", "category", "service_id"], ["S1", "理发", "为老"]])
    result = parse_catalog_xlsx(path)
    assert {e.line for e in result.errors} == {2}
    reasons = " ".join(row_line(e) for e in result.errors)
    assert "duplicate column 'service_id'" in reasons and "missing required column(s): name" in reasons


def test_the_same_rows_give_the_same_result_as_csv(tmp_path: Path) -> None:
    rows = [["service_id", "name", "category", "phone"], ["S1", "理发", "为老", "123"], ["S2", "", "宠物", ""]]
    from_xlsx = parse_catalog_xlsx(workbook(tmp_path, rows))
    from_csv = parse_catalog_text("\n".join(",".join(row) for row in rows) + "\n")
    assert from_xlsx == from_csv
    assert [e.line for e in from_xlsx.errors] == [3]


def test_a_note_beside_the_table_is_ignored_like_an_unnamed_column(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["service_id", "name", "category"], ["S1", "理发", "为老", None, "记得打电话"]])
    result = parse_catalog_xlsx(path)
    assert result.ok, result.errors
    assert [e.service_id for e in result.entries] == ["S1"]


def test_empty_sheet_is_an_error_and_header_only_is_a_warning(tmp_path: Path) -> None:
    assert not parse_catalog_xlsx(workbook(tmp_path, [], name="empty.xlsx")).ok
    header_only = parse_catalog_xlsx(workbook(tmp_path, [["service_id", "name", "category"]], name="header.xlsx"))
    assert header_only.ok and header_only.entries == [] and header_only.warnings


def test_a_file_that_is_not_a_workbook_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="xlsx"):
        parse_catalog_xlsx_bytes("service_id,name,category\nS1,理发,为老\n".encode())
    with pytest.raises(OSError):
        parse_catalog_xlsx(tmp_path / "missing.xlsx")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"])
def test_a_dtd_in_any_xml_part_is_refused(tmp_path: Path, part: str) -> None:
    """Excel never writes a DTD; one is how entity expansion gets in (openpyxl reads it as it is)."""
    good = workbook(tmp_path, [["service_id", "name", "category"], ["S1", "理发", "为老"]]).read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]>' + parts[part]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    assert parse_catalog_xlsx_bytes(good).ok
    with pytest.raises(WorkbookError, match="xlsx_dtd"):
        parse_catalog_xlsx_bytes(buffer.getvalue())


def test_parse_catalog_file_chooses_the_reader_by_extension(tmp_path: Path) -> None:
    book = workbook(tmp_path, [["service_id", "name", "category"], ["S1", "理发", "为老"]], name="BOOK.XLSX")
    text = tmp_path / "catalog.txt"
    text.write_text("service_id,name,category\nS2,洗澡,为老\n", encoding="utf-8")
    assert [e.service_id for e in parse_catalog_file(book).entries] == ["S1"]
    assert [e.service_id for e in parse_catalog_file(text).entries] == ["S2"]  # anything else is CSV
