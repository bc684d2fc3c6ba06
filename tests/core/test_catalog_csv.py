"""Catalogue CSV parsing and writing (core.catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli_catalog import in_both, row_line
from core.catalog import (
    CATEGORIES,
    MAX_NAME_LEN,
    ServiceEntry,
    parse_catalog,
    parse_catalog_bytes,
    parse_catalog_text,
    resolve_category,
    split_list,
    write_catalog_csv,
)

HEADER = "service_id,name,category,description,keywords,organization,communities\n"


def test_pilot_categories_come_first_and_resolve_by_code_or_chinese_name() -> None:
    assert [c.zh for c in CATEGORIES[:3]] == ["为老", "扶幼", "助残"]
    assert resolve_category("为老") is resolve_category("ELDERLY") is resolve_category(" elderly ")
    assert resolve_category("家政维修") is not None
    assert resolve_category("宠物") is None


def test_split_list_accepts_all_three_separators_and_drops_blanks_and_repeats() -> None:
    assert split_list("送餐;送饭；助餐、配餐 ; ;送餐") == ("送餐", "送饭", "助餐", "配餐")
    assert split_list("") == ()


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_parses_utf8_with_or_without_bom(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "catalog.csv"
    text = HEADER + "S1,助餐送餐,为老,每天送午餐,送餐;送饭；助餐、配餐,安康站,阳光社区；桂花社区\n"
    path.write_bytes(bom + text.encode("utf-8"))
    result = parse_catalog(path)
    assert result.ok, result.errors
    assert result.warnings == []
    [entry] = result.entries
    assert entry == ServiceEntry(
        service_id="S1",
        name="助餐送餐",
        category="elderly",
        description="每天送午餐",
        keywords=("送餐", "送饭", "助餐", "配餐"),
        organization="安康站",
        communities=("阳光社区", "桂花社区"),
    )


def test_unknown_column_is_warned_and_ignored() -> None:
    result = parse_catalog_text("service_id,name,category,colour\nS1,理发,elderly,red\n")
    assert result.ok
    assert len(result.warnings) == 1 and "colour" in in_both(result.warnings[0].render)
    assert result.entries[0].description == ""


def test_missing_required_column_is_an_error_on_the_header_line() -> None:
    result = parse_catalog_text("service_id,name,description\nS1,理发,上门理发\n")
    assert not result.ok
    assert result.entries == []
    assert [e.line for e in result.errors] == [1]
    assert "category" in row_line(result.errors[0])


def test_bad_rows_are_reported_with_their_physical_line_numbers() -> None:
    text = (
        HEADER
        + 'S1,助餐,为老,"第一行\n第二行",,,\n'  # lines 2-3: a quoted description spanning two lines
        + "\n"  # line 4: blank, skipped
        + ",无编号,为老,,,,\n"  # line 5
        + "S1,重复,为老,,,,\n"  # line 6
        + f"S3,宠物美容,{'宠' * 21},,,,\n"  # line 7: a category name, not a sentence
        + f"S4,{'长' * (MAX_NAME_LEN + 1)},为老,,,,\n"  # line 8
        + "S5,好行,扶幼,,,,\n"  # line 9: fine
    )
    result = parse_catalog_text(text)
    assert not result.ok
    assert [e.line for e in result.errors] == [5, 6, 7, 8]
    reasons = {e.line: row_line(e) for e in result.errors}
    assert "service_id" in reasons[5]
    assert "与第 2 行重复" in reasons[6] and "line 2" in reasons[6]
    assert "宠宠宠" in reasons[7] and "too long" in reasons[7]
    assert "too long" in reasons[8]
    assert [e.service_id for e in result.entries] == ["S1", "S5"]
    assert row_line(result.errors[0]).startswith("第 5 行：服务编号（service_id）为空 / line 5: empty service_id")


def test_extra_cells_are_an_error_but_trailing_empty_cells_are_not() -> None:
    result = parse_catalog_text("service_id,name,category\nS1,理发,为老,,\nS2,洗澡,为老,多余\n")
    assert [e.line for e in result.errors] == [3]


def test_text_that_is_not_utf8_names_the_line() -> None:
    data = (HEADER + "S1,理发,为老,,,,\n").encode() + "S2,洗澡,为老,,,,\n".encode("gbk")
    result = parse_catalog_bytes(data)
    assert not result.ok
    assert result.errors[0].line == 3
    assert "UTF-8" in row_line(result.errors[0])


def test_empty_file_is_an_error_and_header_only_is_a_warning() -> None:
    assert not parse_catalog_text("").ok
    header_only = parse_catalog_text(HEADER)
    assert header_only.ok and header_only.entries == [] and header_only.warnings


def test_write_then_parse_round_trips_and_starts_with_a_bom(tmp_path: Path) -> None:
    entries = [
        ServiceEntry("S1", "助餐, 送餐", "elderly", 'say "hi"\nline two', ("送餐", "送饭"), "安康站", ("阳光社区",)),
        ServiceEntry("S2", "法律咨询", "legal", eligibility="本区居民", active=False),
    ]
    path = tmp_path / "out.csv"
    write_catalog_csv(path, entries)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = parse_catalog(path)
    assert result.ok and result.warnings == []
    assert result.entries == entries


def test_serves_treats_empty_communities_as_everywhere() -> None:
    everywhere = ServiceEntry("S1", "理发", "elderly")
    local = ServiceEntry("S2", "理发", "elderly", communities=("阳光社区",))
    assert everywhere.serves("桂花社区") and everywhere.serves(None)
    assert local.serves("阳光社区") and not local.serves("桂花社区")


def test_the_project_sample_catalogue_parses_cleanly() -> None:
    path = Path(__file__).resolve().parents[1] / "data" / "catalog.csv"
    if not path.exists():
        pytest.skip("tests/data/catalog.csv not present")
    result = parse_catalog(path)
    assert result.ok, result.errors
    assert len(result.entries) >= 30


def test_an_unreadable_row_ends_the_file_as_an_error_on_its_line_and_earlier_rows_are_still_checked() -> None:
    long_cell = "x" * 140_000  # over the csv module's 131,072-character cap
    result = parse_catalog_text(f"{HEADER},理发,为老,,,,\nS2,洗澡,为老,{long_cell},,,\nS3,遛狗,为老,,,,\n")
    assert [e.line for e in result.errors] == [2, 3] and "131072" in row_line(result.errors[1])
    assert result.entries == []
    # A quote left open would otherwise swallow S3 into S2's description without a word.
    unclosed = parse_catalog_text(f'{HEADER}S2,洗澡,为老,"说明,,,\nS3,遛狗,为老,,,,\n')
    assert [e.line for e in unclosed.errors] == [2] and "quote" in row_line(unclosed.errors[0])


def test_nul_bytes_are_not_utf8_text() -> None:
    # UTF-16 ("Unicode text" in Excel) decodes as UTF-8 when it is all ASCII; its NUL bytes give it away.
    result = parse_catalog_bytes((HEADER + "S1,haircut,elderly,,,,\n").encode("utf-16-le"))
    assert [e.line for e in result.errors] == [1] and "UTF-8" in row_line(result.errors[0])
